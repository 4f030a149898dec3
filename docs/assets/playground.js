// The simulator in the page: Run buttons under python blocks, the playground, and a script API.
//
// Nothing heavy loads until a reader asks for a run: this file only wires up buttons. The first
// run downloads Pyodide's core and the simulator bundle from this site (hooks/playground.py
// copies them in at build time) and keeps the interpreter on `window`, so that with Material's
// instant navigation it loads once per visit, not once per page.
//
// Script API, for tests and readers' own tools:
//   await brkdocPlayground.simulate(traceText, {glibc: "2.36", file: "trace.rep"})
// resolves to the text `brkdoc simulate --jsonl --glibc 2.36 trace.rep` prints, and rejects
// with an Error whose message is the command's own `FILE:LINE: ...` line (`.output` holds what
// the command printed before it stopped).
(function () {
  "use strict";

  if (window.brkdocPlayground) {
    return;
  }

  const ASSETS = new URL("./", document.currentScript.src);
  const PYODIDE = new URL("pyodide/", ASSETS);
  const BUNDLE = new URL("playground/brkdoc.zip", ASSETS);
  const BUNDLE_DIR = "/home/pyodide/brkdoc-bundle";

  // --- the runtime, once per visit ------------------------------------------------------------

  let runtime = null;
  const listeners = new Set();
  let loadState = { phase: "idle", received: 0, total: 0, seconds: 0 };

  function report(update) {
    loadState = Object.assign({}, loadState, update);
    listeners.forEach((listener) => listener(loadState));
  }

  // Count the bytes of the runtime's own fetches (the WebAssembly, the standard library, the
  // bundle) as they arrive, for the progress bar.
  function countingFetch(original) {
    return async function (input, init) {
      const response = await original(input, init);
      const url = new URL(typeof input === "string" ? input : input.url, document.baseURI);
      if (!url.href.startsWith(ASSETS.href) || !response.body) {
        return response;
      }
      const reader = response.body.getReader();
      const counted = new ReadableStream({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            controller.close();
            return;
          }
          report({ received: loadState.received + value.byteLength });
          controller.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return new Response(counted, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
  }

  async function startRuntime(total) {
    const started = performance.now();
    const ticker = setInterval(
      () => report({ seconds: (performance.now() - started) / 1000 }),
      250,
    );
    const originalFetch = window.fetch;
    window.fetch = countingFetch(originalFetch.bind(window));
    try {
      report({ phase: "download", received: 0, total: total });
      const { loadPyodide } = await import(new URL("pyodide.mjs", PYODIDE).href);
      const pyodide = await loadPyodide({ indexURL: PYODIDE.href, stdout: () => {}, stderr: () => {} });
      report({ phase: "simulator" });
      const bundle = await (await fetch(BUNDLE.href)).arrayBuffer();
      pyodide.unpackArchive(bundle, "zip", { extractDir: BUNDLE_DIR });
      pyodide.runPython(`import sys\nsys.path.insert(0, "${BUNDLE_DIR}")`);
      const api = pyodide.pyimport("brkdoc.playground.api");
      const blocks = pyodide.pyimport("brkdoc.playground.blocks");
      const seconds = (performance.now() - started) / 1000;
      report({ phase: "ready", seconds: seconds });
      return { pyodide: pyodide, api: api, blocks: blocks, seconds: seconds };
    } catch (error) {
      report({ phase: "failed", error: String(error) });
      runtime = null;
      throw error;
    } finally {
      window.fetch = originalFetch;
      clearInterval(ticker);
    }
  }

  function loadRuntime(total) {
    if (!runtime) {
      runtime = startRuntime(total || 0);
    }
    return runtime;
  }

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1) + " MB";
  }

  function describeLoad(state) {
    if (state.phase === "download") {
      const of = state.total ? " of " + megabytes(state.total) : "";
      return (
        "Downloading Python (Pyodide) and the simulator: " + megabytes(state.received) + of +
        ", " + state.seconds.toFixed(0) + " s"
      );
    }
    if (state.phase === "simulator") {
      return "Starting the simulator…";
    }
    if (state.phase === "failed") {
      return "Python could not start: " + state.error;
    }
    return "";
  }

  // Show the load's progress in `status` (text) and `bar` (a <progress>) until it is ready.
  function follow(status, bar) {
    const show = (state) => {
      if (state.phase === "ready" || state.phase === "idle") {
        if (bar) bar.hidden = true;
        return;
      }
      status.textContent = describeLoad(state);
      if (bar) {
        bar.hidden = state.phase === "failed";
        if (state.total && state.phase === "download") {
          bar.max = state.total;
          bar.value = Math.min(state.received, state.total);
        } else {
          bar.removeAttribute("value");
        }
      }
    };
    listeners.add(show);
    show(loadState);
    return () => listeners.delete(show);
  }

  // --- the script API ---------------------------------------------------------------------------

  async function simulate(traceText, options) {
    const opts = options || {};
    const { api } = await loadRuntime(0);
    const result = api.simulate_text(String(traceText), String(opts.glibc || "2.36"), String(opts.file || "trace"));
    const [output, message] = result.toJs();
    result.destroy();
    if (message !== null && message !== undefined) {
      const error = new Error(message);
      error.output = output;
      throw error;
    }
    return output;
  }

  async function profiles() {
    const { api } = await loadRuntime(0);
    const names = api.profile_names();
    const list = names.toJs();
    names.destroy();
    return list;
  }

  async function runBlock(source) {
    const { blocks } = await loadRuntime(0);
    return blocks.run_block(source);
  }

  window.brkdocPlayground = {
    simulate: simulate,
    profiles: profiles,
    runBlock: runBlock,
    load: () => loadRuntime(0).then((loaded) => ({ seconds: loaded.seconds })),
    get state() {
      return Object.assign({}, loadState);
    },
  };

  // --- Run buttons ------------------------------------------------------------------------------

  function wireRunButton(container) {
    if (container.dataset.brkdocWired) return;
    container.dataset.brkdocWired = "yes";
    const button = container.querySelector("button");
    const status = container.querySelector(".brkdoc-run__status");
    const output = container.querySelector(".brkdoc-run__output");
    const block = container.previousElementSibling;
    button.addEventListener("click", async () => {
      const code = block && block.querySelector("code");
      if (!code) return;
      button.disabled = true;
      const total = Number(container.dataset.brkdocDownloadBytes || 0);
      const stop = follow(status, null);
      try {
        await loadRuntime(total);
        status.textContent = "Running…";
        const printed = await runBlock(code.textContent);
        output.querySelector("code").textContent = printed;
        output.hidden = false;
        status.textContent = "Output of this run, in your browser:";
      } catch (error) {
        status.textContent = "The run failed: " + error.message;
      } finally {
        stop();
        button.disabled = false;
      }
    });
  }

  // --- the playground page ----------------------------------------------------------------------

  function playground(root) {
    if (root.dataset.brkdocWired) return;
    root.dataset.brkdocWired = "yes";
    const $ = (id) => root.querySelector("#" + id);
    const input = $("bp-input");
    const glibc = $("bp-glibc");
    const runButton = $("bp-run");
    const status = $("bp-status");
    const bar = $("bp-progress");
    const results = $("bp-results");
    const slider = $("bp-step");
    const stepLabel = $("bp-step-label");
    const diffFrom = $("bp-diff-from");
    const diffTo = $("bp-diff-to");
    let run = null;
    let shownOnce = false;

    // A shared address carries the calls and the version (and the step shown).
    const params = new URLSearchParams(location.search);
    if (params.has("calls")) input.value = params.get("calls");
    if (params.has("glibc")) {
      const wanted = params.get("glibc");
      if (![...glibc.options].some((option) => option.value === wanted)) {
        glibc.add(new Option("glibc " + wanted, wanted));
      }
      glibc.value = wanted;
    }
    // The address numbers steps as the page does: 0 is before any call, k after the k-th.
    const wantedStep = params.has("step") ? Number(params.get("step")) - 1 : null;

    function address(step) {
      const query = new URLSearchParams({ glibc: glibc.value, calls: input.value });
      if (step !== undefined && step !== null) query.set("step", String(step + 1));
      return location.pathname + "?" + query.toString();
    }

    async function syncProfiles(api) {
      // The versions come from brkdoc.sim.profiles.PROFILES: the build wrote them into the
      // picker, and the loaded simulator's own list replaces them if the two ever differ.
      const names = api.profile_names().toJs();
      const shown = [...glibc.options].map((option) => option.value);
      if (names.join() !== shown.join()) {
        const chosen = glibc.value;
        glibc.replaceChildren(...names.map((name) => new Option("glibc " + name, name)));
        if (names.includes(chosen)) glibc.value = chosen;
      }
    }

    function showStep(step) {
      const { api } = run.loaded;
      const state = JSON.parse(api.session_state(step));
      const record = step >= 0 ? run.data.steps[step] : null;
      slider.value = String(step + 1);
      slider.setAttribute("aria-valuetext", record ? "step " + (step + 1) + ": " + record.source : "before any call");
      const total = run.data.steps.length;
      if (record) {
        const returned = record.result === null ? "" : " → " + record.result + (record.where ? " (" + record.where + ")" : "");
        stepLabel.textContent = "Step " + (step + 1) + " of " + total + ", line " + record.line + ": " + record.source + returned;
      } else {
        stepLabel.textContent = "Before any call (" + total + " steps)";
      }
      $("bp-map").innerHTML = state.svg;
      $("bp-numbers").textContent =
        "break: start + 0x" + state.brk.toString(16) + " (" + state.brk.toLocaleString("en") + " bytes)" +
        " · mmapped: " + state.mmapped.toLocaleString("en") + " bytes" +
        " · mmap threshold " + state.mmap_threshold.toLocaleString("en") +
        " · trim threshold " + state.trim_threshold.toLocaleString("en");
      const bins = $("bp-bins");
      bins.replaceChildren();
      if (!state.bins.length) {
        const none = document.createElement("li");
        none.textContent = "No free chunks in any bin.";
        bins.append(none);
      }
      for (const group of state.bins) {
        const item = document.createElement("li");
        const chunks = group.chunks.map(
          (chunk) => "+0x" + chunk.offset.toString(16) + " (0x" + chunk.size.toString(16) + " bytes" + (chunk.label ? ", " + chunk.label : "") + ")",
        );
        item.textContent = group.name + ": " + chunks.join(", ");
        bins.append(item);
      }
      const strace = $("bp-strace");
      strace.replaceChildren();
      run.data.steps.forEach((each, index) => {
        if (index > step) return;
        for (const call of each.syscalls) {
          const line = document.createElement("span");
          line.textContent = call + "\n";
          if (index === step) line.className = "bp-current";
          strace.append(line);
        }
      });
      if (!strace.childNodes.length) strace.textContent = "(no system calls yet)";
      $("bp-table").textContent = state.table;
      history.replaceState(history.state, "", address(step));
    }

    function move(step) {
      const last = run.data.steps.length - 1;
      showStep(Math.max(-1, Math.min(last, step)));
    }

    async function start() {
      runButton.disabled = true;
      const stop = follow(status, bar);
      try {
        const total = Number(root.dataset.brkdocDownloadBytes || 0);
        const loaded = await loadRuntime(total);
        await syncProfiles(loaded.api);
        status.textContent = "Running…";
        const data = JSON.parse(loaded.api.start_session(input.value, glibc.value));
        if (data.error) {
          status.textContent = data.error;
          results.hidden = true;
          return;
        }
        run = { loaded: loaded, data: data };
        const count = data.steps.length;
        slider.max = String(count);
        slider.min = "0";
        diffFrom.max = diffTo.max = String(count);
        diffFrom.value = "0";
        diffTo.value = String(count);
        $("bp-timeline").innerHTML = data.timeline;
        const abort = $("bp-abort");
        if (data.stop) {
          abort.hidden = false;
          abort.textContent = data.stop.abort
            ? "glibc aborts at line " + data.stop.line + " (" + data.stop.source + "): " + data.stop.message +
              " — the program is killed by SIGABRT. The steps below end before that call."
            : "The model stops at line " + data.stop.line + " (" + data.stop.source + "): " + data.stop.message;
        } else {
          abort.hidden = true;
        }
        results.hidden = false;
        status.textContent =
          "Ran " + count + " call" + (count === 1 ? "" : "s") + " on the glibc " + data.glibc + " model.";
        const first = Number.isFinite(wantedStep) && !shownOnce ? wantedStep : count - 1;
        shownOnce = true;
        move(first);
      } catch (error) {
        status.textContent = "The run failed: " + error.message;
      } finally {
        stop();
        runButton.disabled = false;
      }
    }

    runButton.addEventListener("click", start);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        start();
      }
    });
    slider.addEventListener("input", () => move(Number(slider.value) - 1));
    $("bp-first").addEventListener("click", () => move(-1));
    $("bp-prev").addEventListener("click", () => move(Number(slider.value) - 2));
    $("bp-next").addEventListener("click", () => move(Number(slider.value)));
    $("bp-last").addEventListener("click", () => move(run.data.steps.length - 1));
    $("bp-diff").addEventListener("click", () => {
      const { api } = run.loaded;
      const diff = JSON.parse(api.session_diff(Number(diffFrom.value) - 1, Number(diffTo.value) - 1));
      const name = (step) => (step < 0 ? "before any call" : "step " + (step + 1));
      const lines = [
        "From " + name(diff.first) + " to " + name(diff.second) + ":",
        "break " + (diff.brk >= 0 ? "+" : "") + diff.brk.toLocaleString("en") + " bytes, mmapped " +
          (diff.mmapped >= 0 ? "+" : "") + diff.mmapped.toLocaleString("en") + " bytes",
        "system calls in between: " + (diff.syscalls.length ? "" : "none"),
        ...diff.syscalls.map((call) => "  " + call),
        "chunk table, - before, + after:" + (diff.changes.length ? "" : " no change"),
        ...diff.changes,
      ];
      $("bp-diff-out").textContent = lines.join("\n");
    });
    $("bp-share").addEventListener("click", async () => {
      const link = new URL(address(run ? Number(slider.value) - 1 : undefined), location.href).href;
      history.replaceState(history.state, "", link);
      $("bp-share-out").value = link;
      $("bp-share-out").hidden = false;
      $("bp-share-out").select();
      try {
        await navigator.clipboard.writeText(link);
        $("bp-share-status").textContent = "Link copied.";
      } catch (error) {
        $("bp-share-status").textContent = "Copy the link from the box.";
      }
    });
  }

  // --- wiring, on every page Material shows ---------------------------------------------------

  function wire() {
    document.querySelectorAll("[data-brkdoc-run]").forEach(wireRunButton);
    const root = document.getElementById("brkdoc-playground");
    if (root) playground(root);
  }

  wire();
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(wire);
  }
})();
