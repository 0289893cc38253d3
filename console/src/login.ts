import { logIn } from "./api.js";
import { h } from "./dom.js";

/**
 * The sign-in form: the "Admin token" is sent once to POST /console/api/login, which answers with an
 * HttpOnly session cookie; the token is not kept anywhere by the page. `onSignedIn` runs on success.
 */
export function loginForm(onSignedIn: () => void, notice?: string): HTMLElement {
  const token = h("input", {
    id: "admin-token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const remember = h("input", { id: "remember", name: "remember", type: "checkbox" });
  const message = h(
    "p",
    { class: "status-error", role: "alert", hidden: notice === undefined },
    notice ?? "",
  );
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "aigw console"),
    h("label", { for: "admin-token" }, "Admin token"),
    token,
    h("div", { class: "checkbox" }, remember, h("label", { for: "remember" }, "Remember me")),
    submit,
    message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    logIn(token.value, remember.checked)
      .then((ok) => {
        if (ok) return onSignedIn();
        message.textContent = "The admin token is not valid";
        message.hidden = false;
        token.select();
      })
      .catch((error: unknown) => {
        message.textContent = error instanceof Error ? error.message : String(error);
        message.hidden = false;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  queueMicrotask(() => token.focus());
  return h("main", { id: "main", class: "login-main" }, form);
}
