"""pyarrow's buffers from the system allocator, chosen before pyarrow is first imported.

Its default allocator (mimalloc) keeps freed memory for reuse: some 50 MB more peak RSS in
an ingest of a million lines, which reads block after block and never needs it again. An
`ARROW_DEFAULT_MEMORY_POOL` the operator set is kept.
"""

import os

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
