// Starts Swagger UI on /api/v1/docs with the settings the page renders as a json_script data
// block: a static file, because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(config);
})();
