// The cluster page: polls /v1/cluster and draws each node's layer range as a share of one bar.
"use strict";

const COLORS = ["#3a5bd9", "#12a150", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#be185d"];
const REFRESH_MS = 2000;
const $ = (id) => document.getElementById(id);

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return n.toFixed(i === 0 ? 0 : 1) + " " + units[i];
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawBar(state) {
  const bar = $("layerbar");
  bar.replaceChildren();
  state.nodes.forEach((node, i) => {
    const span = node.end_layer - node.first_layer;
    const part = el("div", "layers", `${node.name}: ${node.first_layer}–${node.end_layer - 1}`);
    part.style.flex = String(Math.max(span, 0));
    part.style.background = COLORS[i % COLORS.length];
    part.title = `${node.name} holds layers ${node.first_layer} to ${node.end_layer - 1} of ${state.layers}`;
    bar.appendChild(part);
  });
}

function drawNodes(state) {
  const nodes = $("nodes");
  nodes.replaceChildren();
  state.nodes.forEach((node, i) => {
    const card = el("div", "node panel");
    card.dataset.node = node.name;
    const title = el("h3", null, node.name);
    title.style.color = COLORS[i % COLORS.length];
    card.appendChild(title);
    const dl = el("dl");
    const rows = [
      ["address", node.address],
      ["layers", `${node.first_layer}–${node.end_layer - 1} (${node.end_layer - node.first_layer} of ${state.layers})`],
      ["memory used", bytes(node.memory_used_bytes)],
      ["memory free", bytes(node.memory_free_bytes)],
      ["tokens/s", node.tokens_per_second.toFixed(1)],
    ];
    for (const [k, v] of rows) {
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, v));
    }
    card.appendChild(dl);
    nodes.appendChild(card);
  });
}

function drawLinks(state) {
  const links = $("links");
  links.replaceChildren();
  if (state.links.length === 0) {
    links.appendChild(el("p", "muted", "No links: a single node runs every layer."));
    return;
  }
  const table = el("table");
  const head = el("tr");
  for (const h of ["from", "to", "RTT", "bandwidth"]) head.appendChild(el("th", null, h));
  table.appendChild(head);
  for (const link of state.links) {
    const row = el("tr");
    row.appendChild(el("td", null, link.from));
    row.appendChild(el("td", null, link.to));
    row.appendChild(el("td", null, link.rtt_millis.toFixed(2) + " ms"));
    row.appendChild(el("td", null, bytes(link.bandwidth_bytes_per_second) + "/s"));
    table.appendChild(row);
  }
  links.appendChild(table);
}

async function refresh() {
  try {
    const state = await djinn.getJson("/v1/cluster");
    $("model").textContent = state.model;
    drawBar(state);
    drawNodes(state);
    drawLinks(state);
    $("updated").textContent = "Updated " + new Date().toLocaleTimeString() + "; refreshes every "
      + REFRESH_MS / 1000 + " s.";
  } catch (e) {
    $("updated").textContent = "Could not load the cluster: " + e.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

djinn.bindKeyField();
refresh();
