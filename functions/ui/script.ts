/**
 * The playground's browser code, served inline by functions/ui/page.ts. Plain JavaScript (no
 * build step, no framework). It talks to the Worker only through the public API — the listing,
 * the metadata, v2 /infer and v1 :predict — plus /ui/charts, which draws charts from data the
 * page already has with the trainer's chart code. DOM is built with textContent, never from
 * server strings as HTML, except the SVG returned by /ui/charts (escaped by the chart code).
 * One model's card at a time: picked in the sidebar, with the version or alias picked on the card;
 * both are kept in the URL hash (#model=NAME&version=V), so a card can be linked and reloaded.
 * Written without backticks or dollar-brace so that it can live in a template literal.
 */
export const PLAYGROUND_SCRIPT = String.raw`
"use strict";
(function () {
  var KEY_STORAGE = "maas.apiKey";
  var keyInput = document.getElementById("api-key");
  var statusLine = document.getElementById("status");
  var modelList = document.getElementById("model-list");
  var cards = document.getElementById("cards");
  keyInput.value = sessionStorage.getItem(KEY_STORAGE) || "";

  /** h("div", {class: "x"}, child, "text") — elements with text content only. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "onclick" || name === "onsubmit") el[name] = value;
      else el.setAttribute(name, String(value));
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }

  /** One call of the public API; resolves with the JSON body and the timings, rejects with the API's error. */
  async function api(method, path, body) {
    var headers = { Accept: "application/json" };
    var key = keyInput.value.trim();
    if (key) headers.Authorization = "Bearer " + key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var started = performance.now();
    var response = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    var text = await response.text();
    var elapsed = performance.now() - started;
    var json;
    try { json = JSON.parse(text); } catch (e) { json = undefined; }
    if (!response.ok) {
      var message = json && json.error ? json.error : text || response.statusText;
      if (response.status === 401) message += " — enter an API key above";
      throw new Error(response.status + ": " + message);
    }
    return { json: json, ms: elapsed, serverMs: serverTotal(response.headers.get("Server-Timing")) };
  }

  /** The Worker's own time from Server-Timing "total;dur=…", when present. */
  function serverTotal(header) {
    var match = /(?:^|,)\s*total;(?:[^,]*;)?\s*dur=([0-9.]+)/.exec(header || "");
    return match ? Number(match[1]) : undefined;
  }

  function formatBytes(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return (bytes / 1024).toFixed(1) + " KB";
    return bytes + " B";
  }
  function formatNumber(value) {
    return typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toPrecision(4)) : String(value);
  }
  function shapeText(shape) {
    return "[" + shape.map(function (d) { return d < 0 ? "n" : d; }).join(", ") + "]";
  }
  function aliasText(target) {
    if (typeof target === "string") return target;
    return target.split.map(function (s) { return s.version + "×" + s.weight; }).join(" / ");
  }

  function fact(label, value, title, mono) {
    return h("div", { class: "fact" }, h("div", { class: "k" }, label), h("div", { class: mono ? "v mono" : "v", title: title }, value));
  }

  /** The manifest's compression record in a few words per step (as maas models prints it). */
  function compressionText(steps) {
    return steps.map(function (step) {
      if (step.kind === "quantize") {
        var blocks = [];
        (step.layers || []).forEach(function (l) { if (l.blockSize && blocks.indexOf(l.blockSize) < 0) blocks.push(l.blockSize); });
        blocks.sort(function (a, b) { return b - a; });
        return step.mode + (blocks.length ? " (block" + (blocks.length > 1 ? "s " : " ") + blocks.join(", ") + ")" : "");
      }
      if (step.kind === "prune") return "pruned " + Math.round(step.sparsity * 100) + "% (" + step.scope + ")";
      if (step.kind === "distill") return "distilled " + step.teacherParameters + " → " + step.studentParameters + " parameters";
      return String(step.kind);
    }).join(", then ");
  }

  function cpuText(cpu) {
    return "~" + (cpu.batch1_ms < 0.1 ? cpu.batch1_ms.toFixed(3) : cpu.batch1_ms.toFixed(1)) + " ms per request (batch 1)";
  }

  function tensorTable(title, specs) {
    return h("section", {},
      h("h3", {}, title),
      h("table", {},
        h("tr", {}, h("th", {}, "name"), h("th", {}, "datatype"), h("th", {}, "shape")),
        specs.map(function (s) { return h("tr", {}, h("td", {}, h("code", {}, s.name)), h("td", {}, s.datatype), h("td", {}, shapeText(s.shape))); })));
  }

  function metricsSection(metrics) {
    var names = Object.keys(metrics || {});
    if (!names.length) return h("section", {}, h("h3", {}, "Metrics"), h("p", { class: "note" }, "No metrics recorded with this model."));
    return h("section", {},
      h("h3", {}, "Metrics"),
      h("table", {}, names.map(function (n) { return h("tr", {}, h("th", {}, n), h("td", {}, formatNumber(metrics[n]))); })));
  }

  function featuresSection(schema) {
    return h("section", {},
      h("h3", {}, "Features → " + schema.target + " (" + schema.task + ")"),
      h("table", {},
        h("tr", {}, h("th", {}, "feature"), h("th", {}, "kind")),
        schema.features.map(function (f) {
          return h("tr", {}, h("td", {}, h("code", {}, f.name)), h("td", {}, f.kind === "categorical" ? "one of " + f.categories.join(", ") : "number"));
        })));
  }

  function trainingSection(training) {
    var rows = [];
    if (Array.isArray(training.sizes)) rows.push(["layers", training.sizes.join(" → ")]);
    if (training.activation) rows.push(["activation", training.activation]);
    if (training.loss) rows.push(["loss", training.loss]);
    if (!rows.length) return null;
    return h("section", {},
      h("h3", {}, "Network"),
      h("table", {}, rows.map(function (r) { return h("tr", {}, h("th", {}, r[0]), h("td", {}, r[1])); })));
  }

  /** Curves and confusion matrix when the model file carries them, drawn by /ui/charts. */
  function chartsSection(params) {
    var training = params.training || {};
    var history = Array.isArray(training.history) ? training.history : undefined;
    var confusion = Array.isArray(training.confusion) ? training.confusion : undefined;
    var section = h("section", {}, h("h3", {}, "Training"));
    if (!history && !confusion) {
      append(section, h("p", { class: "note" }, params.feature_schema
        ? "This model file carries no training curves or confusion matrix; the trainer's report.html has them."
        : "Not made by the edge-maas trainer: no training history."));
      return section;
    }
    var holder = h("div", { class: "charts" }, h("span", { class: "note" }, "drawing charts…"));
    append(section, holder);
    api("POST", "/ui/charts", { history: history, confusion: confusion, labels: params.labels }).then(function (result) {
      holder.textContent = "";
      [result.json.loss, result.json.confusion].forEach(function (svg) {
        if (svg) { var box = h("div", {}); box.innerHTML = svg; holder.appendChild(box); }
      });
    }, function (error) { holder.textContent = "charts unavailable: " + error.message; });
    return section;
  }

  function showResult(box, content, isError) {
    box.textContent = "";
    box.className = "result" + (isError ? " error" : "");
    box.hidden = false;
    append(box, content);
  }

  function latencyText(result) {
    var text = "round trip " + result.ms.toFixed(1) + " ms";
    if (result.serverMs !== undefined) text += " · server " + result.serverMs.toFixed(1) + " ms";
    return h("span", { class: "latency", "data-role": "latency" }, text);
  }

  function predictionView(prediction) {
    if (prediction && typeof prediction === "object" && !Array.isArray(prediction) && "label" in prediction) {
      var probabilities = prediction.probabilities || {};
      return [
        h("span", { class: "label", "data-role": "label" }, prediction.label),
        h("div", {}, Object.keys(probabilities).map(function (name) {
          var p = probabilities[name];
          return h("div", { class: "bar" }, h("span", {}, name),
            h("div", { class: "track" }, h("div", { class: "fill", style: "width:" + (p * 100).toFixed(1) + "%" })),
            h("span", {}, (p * 100).toFixed(1) + "%"));
        })),
      ];
    }
    return h("span", { class: "label", "data-role": "label" }, Array.isArray(prediction) ? prediction.map(formatNumber).join(", ") : formatNumber(prediction));
  }

  /** The version picked on the card: none (the latest alias), an alias name or a version id. */
  function versionRef(entry, version) {
    if (!version) return { v1: "", v2: "" };
    var segment = encodeURIComponent(version);
    // v1 names aliases "labels", as TensorFlow Serving does; v2 takes either as {v}.
    return { v1: (entry.aliases[version] !== undefined ? "/labels/" : "/versions/") + segment, v2: "/versions/" + segment };
  }

  /** Trainer-made models: one field per raw feature, sent to v1 :predict. */
  function recordForm(name, schema, ref) {
    var result = h("div", { class: "result", hidden: true, "data-role": "result" });
    var fields = schema.features.map(function (f) {
      var control = f.kind === "categorical"
        ? h("select", { name: f.name }, h("option", { value: "" }, "(missing)"), f.categories.map(function (c) { return h("option", { value: c }, c); }))
        : h("input", { name: f.name, type: "number", step: "any", placeholder: "number" });
      return h("label", {}, f.name, control);
    });
    var form = h("form", { "data-model": name, "data-kind": "record" }, h("div", { class: "fields" }, fields), h("button", { type: "submit" }, "Predict"), result);
    form.onsubmit = async function (event) {
      event.preventDefault();
      var record = {};
      schema.features.forEach(function (f) {
        var value = form.elements[f.name].value;
        if (value !== "") record[f.name] = f.kind === "numeric" ? Number(value) : value;
      });
      try {
        var answer = await api("POST", "/v1/models/" + encodeURIComponent(name) + ref.v1 + ":predict", { instances: [record] });
        var view = predictionView(answer.json.predictions[0]);
        var parts = Array.isArray(view) ? view : [view];
        showResult(result, [
          h("div", { class: "headline" }, parts[0], h("span", {}, latencyText(answer), h("span", { class: "note" }, " · version " + answer.json.model_version))),
          parts.slice(1),
        ]);
      } catch (error) {
        showResult(result, error.message, true);
      }
    };
    return form;
  }

  /** Any model: a v2 inference request as JSON, prefilled with zeros of the declared shapes. */
  function tensorForm(name, meta, ref) {
    var template = {
      inputs: meta.inputs.map(function (s) {
        var shape = s.shape.map(function (d) { return d < 0 ? 1 : d; });
        var size = shape.reduce(function (a, b) { return a * b; }, 1);
        return { name: s.name, datatype: s.datatype, shape: shape, data: new Array(size).fill(s.datatype === "BOOL" ? false : 0) };
      }),
    };
    var text = h("textarea", { name: "request", spellcheck: "false" });
    // One line per input tensor: long data arrays stay readable.
    text.value = "{\"inputs\": [\n  " + template.inputs.map(function (t) { return JSON.stringify(t); }).join(",\n  ") + "\n]}";
    var result = h("div", { class: "result", hidden: true, "data-role": "result" });
    var form = h("form", { "data-model": name, "data-kind": "tensor" }, text, h("button", { type: "submit" }, "Infer"), result);
    form.onsubmit = async function (event) {
      event.preventDefault();
      try {
        var answer = await api("POST", "/v2/models/" + encodeURIComponent(name) + ref.v2 + "/infer", JSON.parse(text.value));
        var outputs = answer.json.outputs.map(function (o) {
          var shown = o.data.length > 20 ? o.data.slice(0, 20).map(formatNumber).join(", ") + ", …" : o.data.map(formatNumber).join(", ");
          return h("div", {}, h("code", {}, o.name + " " + shapeText(o.shape) + " " + o.datatype), h("pre", {}, shown));
        });
        showResult(result, [h("div", { class: "headline" }, h("strong", {}, "outputs"), h("span", {}, latencyText(answer), h("span", { class: "note" }, " · version " + answer.json.model_version))), outputs]);
      } catch (error) {
        showResult(result, error.message, true);
      }
    };
    return form;
  }

  /** Latest (the default), each alias with its target, each version: choosing one updates the hash. */
  function versionPicker(entry, version) {
    var aliases = Object.keys(entry.aliases);
    var select = h("select", { "data-role": "version-picker", "aria-label": "version or alias" },
      h("option", { value: "" }, "latest (default)"),
      h("optgroup", { label: "aliases" }, aliases.filter(function (a) { return a !== "latest"; }).map(function (a) {
        return h("option", { value: a }, a + " → " + aliasText(entry.aliases[a]));
      })),
      h("optgroup", { label: "versions" }, entry.versions.map(function (v) {
        return h("option", { value: v.version }, "version " + v.version + " · " + formatBytes(v.bytes) + (v.quantization ? " · " + v.quantization : ""));
      })));
    select.value = version || "";
    select.onchange = function () { showModel(entry.name, select.value); };
    return h("label", { class: "picker" }, "Version ", select);
  }

  function modelCard(entry, meta, version) {
    var p = meta.parameters || {};
    var ref = versionRef(entry, version);
    var card = h("article", { class: "card", id: "model-" + entry.name, "data-model": entry.name, "data-version": p.version },
      h("div", { class: "card-head" }, h("h2", {}, entry.name), versionPicker(entry, version)),
      h("div", { class: "meta", "data-role": "meta" }, "version " + p.version + " · " + (p.producer ? p.producer.name + " " + p.producer.version : meta.platform) + (p.created_at ? " · " + p.created_at.slice(0, 10) : "")),
      h("div", { class: "facts" },
        fact("size", formatBytes(p.bytes)),
        fact("quantization", p.quantization || "none recorded"),
        p.compression && p.compression.length ? fact("compression", compressionText(p.compression)) : null,
        fact("CPU", p.cpu ? cpuText(p.cpu) : "not measured", p.cpu ? "measured by maas push in " + p.cpu.runtime + "; the Workers free plan allows 10 ms" : undefined),
        fact("versions", entry.versions.length),
        fact("sha256", p.sha256 ? p.sha256.slice(0, 16) : "?", p.sha256, true)),
      h("div", { class: "columns" },
        h("div", {}, tensorTable("Inputs", meta.inputs), tensorTable("Outputs", meta.outputs)),
        h("div", {},
          metricsSection(p.metrics),
          p.labels ? h("section", {}, h("h3", {}, "Labels"), h("div", { class: "chips" }, p.labels.map(function (l) { return h("span", { class: "chip" }, l); }))) : null,
          p.training ? trainingSection(p.training) : null)),
      p.feature_schema ? featuresSection(p.feature_schema) : null,
      chartsSection(p),
      h("div", { class: "predict" },
        h("h3", {}, p.feature_schema ? "Predict from a record" : "Infer with tensors"),
        p.feature_schema ? recordForm(entry.name, p.feature_schema, ref) : tensorForm(entry.name, meta, ref)));
    return card;
  }

  function listEntry(entry) {
    var aliases = Object.keys(entry.aliases);
    return h("a", { class: "model-entry", href: "#model=" + encodeURIComponent(entry.name), "data-model": entry.name },
      h("strong", {}, entry.name),
      h("div", { class: "chips" },
        entry.versions.map(function (v) { return h("span", { class: "chip", title: formatBytes(v.bytes) + (v.quantization ? ", " + v.quantization : "") }, "v" + v.version); }),
        aliases.map(function (a) { return h("span", { class: "chip alias" }, a + " → " + aliasText(entry.aliases[a])); })));
  }

  var listing = [];
  var shown = 0;

  /** The hash names the card: #model=NAME&version=V (version: a version id or an alias name). */
  function selection() {
    var params = new URLSearchParams(location.hash.slice(1));
    return { model: params.get("model") || "", version: params.get("version") || "" };
  }

  function showModel(name, version) {
    var hash = "#model=" + encodeURIComponent(name) + (version ? "&version=" + encodeURIComponent(version) : "");
    if (location.hash !== hash) location.hash = hash; // hashchange renders it
    else render();
  }

  /** Renders the card the hash names (the first model when it names none or an unknown one). */
  async function render() {
    if (!listing.length) return;
    var wanted = selection();
    var entry = listing.find(function (e) { return e.name === wanted.model; }) || listing[0];
    var version = entry.name === wanted.model ? wanted.version : "";
    Array.prototype.forEach.call(modelList.children, function (a) {
      var selected = a.getAttribute("data-model") === entry.name;
      a.classList.toggle("selected", selected);
      if (selected) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    var ticket = ++shown;
    var path = "/v2/models/" + encodeURIComponent(entry.name) + versionRef(entry, version).v2;
    var card;
    try {
      card = modelCard(entry, (await api("GET", path)).json, version);
    } catch (error) {
      card = h("article", { class: "card", "data-model": entry.name }, h("div", { class: "card-head" }, h("h2", {}, entry.name), versionPicker(entry, version)), h("p", { class: "note" }, error.message));
    }
    if (ticket !== shown) return; // another model was picked meanwhile
    cards.textContent = "";
    cards.appendChild(card);
  }

  async function load() {
    setStatus("loading models…");
    modelList.textContent = "";
    cards.textContent = "";
    try {
      listing = (await api("GET", "/v2/models")).json.models;
      if (!listing.length) { setStatus("No models published yet — push one with maas push."); return; }
      listing.forEach(function (entry) { modelList.appendChild(listEntry(entry)); });
      setStatus(listing.length + (listing.length === 1 ? " model" : " models"));
      await render();
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  window.addEventListener("hashchange", render);
  document.getElementById("key-form").onsubmit = function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
    load();
  };
  load();
})();
`;
