// The console page: a header with the views (cluster, plans, workers) and the connection state,
// the token form, and the view of the current location (#/cluster, #/plans, #/plan/<id>,
// #/workers). It renders the store on every stream message. When the node it streams from dies
// it says so and names the member it reconnected to. With auth on and no (or a wrong) token it
// shows the token form and no data. Tokens stay in this tab (sessionStorage), sent only in the
// Authorization header.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ClusterView } from "./cluster.js";
import { clock, html } from "./html.js";
import { PlanPage } from "./plan.js";
import { PlansView } from "./plans.js";
import { applyMessage, createStore } from "./store.js";
import { ClusterStream } from "./stream.js";
import { WorkersView } from "./workers.js";

const TOKEN_KEY = "elk-console-token";
const WRITE_TOKEN_KEY = "elk-console-write-token";

function useRoute() {
  const [hash, setHash] = useState(location.hash || "#/cluster");
  useEffect(() => {
    const onChange = () => setHash(location.hash || "#/cluster");
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  const [, view, arg] = hash.split("/");
  return { view: view || "cluster", arg: arg === undefined ? undefined : decodeURIComponent(arg) };
}

function App() {
  const store = useMemo(createStore, []);
  const [, setVersion] = useState(0);
  const [connection, setConnection] = useState({ kind: "connecting", url: location.origin });
  const [notice, setNotice] = useState(null);
  const [needsToken, setNeedsToken] = useState(false);
  const stream = useMemo(
    () =>
      new ClusterStream({
        token: sessionStorage.getItem(TOKEN_KEY) ?? "",
        onMessage: (event, data) => {
          applyMessage(store, event, data);
          setVersion((v) => v + 1);
        },
        onStatus: (status) => onStatus(status, { store, setConnection, setNotice, setNeedsToken }),
      }),
    [],
  );
  useEffect(() => {
    stream.start();
    return () => stream.stop();
  }, []);
  const ctx = {
    baseUrl: () => stream.baseUrl,
    token: () => sessionStorage.getItem(TOKEN_KEY) ?? "",
    writeToken: () =>
      sessionStorage.getItem(WRITE_TOKEN_KEY) || (sessionStorage.getItem(TOKEN_KEY) ?? ""),
  };
  const route = useRoute();
  const saveTokens = (read, write) => {
    sessionStorage.setItem(TOKEN_KEY, read);
    sessionStorage.setItem(WRITE_TOKEN_KEY, write);
    setNeedsToken(false);
    stream.start(read);
  };
  return html` <header class="top">
      <h1>elk-coordinator</h1>
      <nav aria-label="Views">
        ${[
          ["cluster", "Cluster"],
          ["plans", "Plans"],
          ["workers", "Workers"],
          ["token", "Token"],
        ].map(
          ([id, label]) =>
            html`<a
              href=${`#/${id}`}
              aria-current=${route.view === id || (id === "plans" && route.view === "plan") ? "page" : undefined}
              >${label}</a
            >`,
        )}
      </nav>
      <div class="connection" role="status" aria-live="polite" id="connection">
        ${connectionText(connection, store)}
      </div>
    </header>
    ${notice ? html`<div class=${`banner ${notice.bad ? "bad" : ""}`} role="alert" id="notice">${notice.text}</div>` : ""}
    <main>
      ${
        needsToken || route.view === "token"
          ? html`<${TokenForm} needed=${needsToken} onSave=${saveTokens} />`
          : store.connected
            ? html`<${View} route=${route} store=${store} ctx=${ctx} />`
            : html`<p>Connecting to the cluster…</p>`
      }
    </main>`;
}

function onStatus(status, { store, setConnection, setNotice, setNeedsToken }) {
  setConnection(status);
  if (status.kind === "unauthorized") {
    store.connected = false;
    setNeedsToken(true);
    return;
  }
  if (status.kind === "lost") {
    setNotice({
      text: `Lost the stream from ${status.url} at ${clock(Date.now())}; reconnecting to another member…`,
      bad: true,
    });
    return;
  }
  if (status.kind === "connected") {
    const was = store.connectedUrl;
    store.connected = true;
    store.connectedUrl = status.url;
    if (was !== undefined && was !== status.url) {
      setNotice({
        text: `Reconnected: ${was} stopped answering at ${clock(Date.now())}; now following ${status.url}.`,
        bad: false,
      });
    }
  }
}

function connectionText(connection, store) {
  if (connection.kind === "connected")
    return `Live from ${store.nodeId ?? "…"} (${connection.url})`;
  if (connection.kind === "unauthorized") return "Needs an API token";
  return `Connecting to ${connection.url}…`;
}

function View({ route, store, ctx }) {
  if (route.view === "plans") return html`<${PlansView} store=${store} />`;
  if (route.view === "plan" && route.arg !== undefined)
    return html`<${PlanPage} key=${route.arg} store=${store} planId=${route.arg} ctx=${ctx} />`;
  if (route.view === "workers") return html`<${WorkersView} store=${store} />`;
  return html`<${ClusterView} store=${store} />`;
}

function TokenForm({ needed, onSave }) {
  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onSave(String(form.get("token") ?? ""), String(form.get("writeToken") ?? ""));
    location.hash = "#/cluster";
  };
  return html`<section class="card" aria-labelledby="token-title">
    <h2 id="token-title">API token</h2>
    ${needed ? html`<p role="alert" id="token-needed">This cluster needs an API token. No data is shown without one.</p>` : ""}
    <form class="token" onSubmit=${submit}>
      <label for="token"
        >Token to read (sent as Authorization: Bearer; kept in this tab only)</label
      >
      <input id="token" name="token" type="password" autocomplete="off" required />
      <label for="writeToken">Token to write, for plan actions (optional; default: the same)</label>
      <input id="writeToken" name="writeToken" type="password" autocomplete="off" />
      <button type="submit">Connect</button>
    </form>
  </section>`;
}

// Preact renders next to what is there: the "Loading" placeholder goes first.
const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
