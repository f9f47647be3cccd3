// ReDoc over this service's OpenAPI document, fetched with the key the web pages keep in
// this browser when there is one (needed when WFM_DOCS_ACCESS=key).
"use strict";
const storedKey = localStorage.getItem("wfm-key") || "";
const target = document.getElementById("redoc");
fetch("/openapi.json", { headers: storedKey ? { "X-API-Key": storedKey } : {} })
  .then((response) => {
    if (!response.ok) {
      throw new Error(`the API description answered ${response.status}`);
    }
    return response.json();
  })
  .then((spec) => Redoc.init(spec, { hideDownloadButton: false }, target))
  .catch((error) => {
    target.textContent = `${error.message}; set the API key on a web page first.`;
  });
