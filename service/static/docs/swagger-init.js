// Swagger UI over this service's OpenAPI document. When the service asks a key for the
// document (WFM_DOCS_ACCESS=key), the key the web pages keep in this browser is sent with
// that one request; "Authorize" sets the key for the calls tried from the page.
"use strict";
const storedKey = localStorage.getItem("wfm-key") || "";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  requestInterceptor: (request) => {
    if (storedKey && request.url.endsWith("/openapi.json")) {
      request.headers["X-API-Key"] = storedKey;
    }
    return request;
  },
});
