// Starts Swagger UI on this service's own OpenAPI document. Kept in a file (not inline) so the page's
// Content-Security-Policy can forbid inline scripts.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', document.baseURI).href,
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    // Never send the document to the public validator service: the page talks to this service only.
    validatorUrl: null,
    // Tokens stay in the page's memory, not in localStorage.
    persistAuthorization: false,
  });
});
