// Starts Swagger UI on /docs from a file, so the page's Content-Security-Policy needs no
// inline script; the validator badge (an outside service) is off.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapi,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
