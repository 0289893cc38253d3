import "./styles.css";
import { hasSession, logOut, onSignedOut } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { loginForm } from "./login.js";
import { backendsPage } from "./pages/backends.js";
import { configPage } from "./pages/config.js";
import { limitsPage } from "./pages/limits.js";
import { overviewPage } from "./pages/overview.js";
import { requestsPage } from "./pages/requests.js";
import { usagePage } from "./pages/usage.js";
import { type Route, Router } from "./router.js";

const routes: Route[] = [
  { path: "overview", label: "Overview", create: overviewPage },
  { path: "usage", label: "Usage", create: usagePage },
  { path: "limits", label: "Limits", create: limitsPage },
  { path: "backends", label: "Backends", create: backendsPage },
  { path: "requests", label: "Requests", create: requestsPage },
  { path: "config", label: "Configuration", create: configPage },
];

const app = document.getElementById("app")!;
let router: Router | null = null;

function showLogin(notice?: string): void {
  router?.stop();
  router = null;
  document.title = "Sign in · aigw console";
  replaceChildren(app, loginForm(showConsole, notice));
}

function showConsole(): void {
  const main = h("main", { id: "main", tabindex: -1 });
  const links = new Map(
    routes.map((route) => [route.path, h("a", { href: `#/${route.path}` }, route.label)]),
  );
  const signOut = h("button", { type: "button", class: "sign-out" }, "Sign out");
  signOut.addEventListener("click", () => {
    logOut()
      .then(() => showLogin())
      .catch((error: unknown) => showLogin(error instanceof Error ? error.message : String(error)));
  });
  // The skip link focuses main itself: following "#main" would change the route's fragment.
  const skip = h("a", { class: "skip-link", href: "#main" }, "Skip to content");
  skip.addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  replaceChildren(
    app,
    skip,
    h(
      "header",
      { class: "topbar" },
      h("span", { class: "brand" }, "aigw"),
      h(
        "nav",
        { "aria-label": "Console" },
        h(
          "ul",
          null,
          [...links.values()].map((link) => h("li", null, link)),
        ),
      ),
      signOut,
    ),
    main,
  );
  router = new Router(routes, main, links);
  router.start();
}

// Any later 401 (the session expired, or the admin token changed) returns to the form.
// Several calls may fail together; the first one shows the form.
onSignedOut(() => {
  if (router) showLogin("Your session has ended: sign in again.");
});

hasSession()
  .then((signedIn) => (signedIn ? showConsole() : showLogin()))
  .catch((error: unknown) => showLogin(error instanceof Error ? error.message : String(error)));
