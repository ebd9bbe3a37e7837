// Shared by the console's pages: the API key (kept in this browser only) and authorised requests.
"use strict";

const djinn = {
  key() {
    return localStorage.getItem("djinn.apiKey") || "";
  },

  headers(extra) {
    const h = Object.assign({}, extra);
    if (djinn.key()) h["Authorization"] = "Bearer " + djinn.key();
    return h;
  },

  // Error bodies follow OpenAI's format: {"error": {"message": ...}}.
  async errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (e) { /* not JSON */ }
    return "HTTP " + response.status;
  },

  async getJson(path) {
    const response = await fetch(path, { headers: djinn.headers() });
    if (!response.ok) throw new Error(await djinn.errorMessage(response));
    return response.json();
  },

  bindKeyField() {
    const field = document.getElementById("api-key");
    field.value = djinn.key();
    field.addEventListener("change", () => localStorage.setItem("djinn.apiKey", field.value.trim()));
  },

  async showModel() {
    const label = document.getElementById("model");
    try {
      const models = await djinn.getJson("/v1/models");
      label.textContent = models.data[0].id;
      return models.data[0].id;
    } catch (e) {
      label.textContent = "(model unknown: " + e.message + ")";
      return undefined;
    }
  },
};
