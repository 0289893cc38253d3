import { h, uniqueId } from "./dom.js";
import { isoToLocalInput, localInputToIso } from "./format.js";

/** A range the overview and usage endpoints take: a preset ending now, or a custom from/to. */
export type Range = { preset: "1h" | "24h" | "30d" } | { from: string; to: string };

const presets: { preset: "1h" | "24h" | "30d"; label: string }[] = [
  { preset: "1h", label: "Last hour" },
  { preset: "24h", label: "Last day" },
  { preset: "30d", label: "Last 30 days" },
];

// Shared by the overview and usage pages, so moving between them keeps the range (the API's default).
let current: Range = { preset: "24h" };

/** The range's query parameters. */
export function rangeParameters(range: Range): URLSearchParams {
  return new URLSearchParams(
    "preset" in range ? { range: range.preset } : { from: range.from, to: range.to },
  );
}

/**
 * The range selector: a button per preset and "Custom", which shows two datetime-local inputs and
 * Apply; the button of the range shown has aria-pressed="true". `onChange` gets every range chosen; `initial()` the current one.
 */
export function rangeControl(onChange: (range: Range) => void): {
  element: HTMLElement;
  initial: () => Range;
} {
  const fromId = uniqueId("range-from");
  const toId = uniqueId("range-to");
  const shown = "from" in current ? current : null;
  const fromInput = h("input", {
    id: fromId,
    type: "datetime-local",
    required: true,
    value: shown && isoToLocalInput(shown.from),
  });
  const toInput = h("input", {
    id: toId,
    type: "datetime-local",
    required: true,
    value: shown && isoToLocalInput(shown.to),
  });
  const message = h("span", { class: "field-error", role: "alert" });
  const custom = h(
    "form",
    { class: "range-custom", hidden: !("from" in current), "aria-label": "Custom range" },
    h("label", { for: fromId }, "From"),
    fromInput,
    h("label", { for: toId }, "To"),
    toInput,
    h("button", { type: "submit" }, "Apply"),
    message,
  );
  const buttons = new Map<string, HTMLButtonElement>();

  const press = (key: string): void => {
    for (const [name, button] of buttons) button.setAttribute("aria-pressed", String(name === key));
  };
  const choose = (range: Range): void => {
    current = range;
    press("preset" in range ? range.preset : "custom");
    onChange(range);
  };

  for (const { preset, label } of presets) {
    const button = h(
      "button",
      {
        type: "button",
        onclick: () => {
          custom.hidden = true;
          customButton.setAttribute("aria-expanded", "false");
          choose({ preset });
        },
      },
      label,
    );
    buttons.set(preset, button);
  }
  const customButton = h(
    "button",
    {
      type: "button",
      "aria-expanded": String(shown !== null),
      onclick: () => {
        // Only opens the inputs: the shown range is still the old one until Apply.
        custom.hidden = false;
        customButton.setAttribute("aria-expanded", "true");
        fromInput.focus();
      },
    },
    "Custom",
  );
  buttons.set("custom", customButton);

  custom.addEventListener("submit", (event) => {
    event.preventDefault();
    const from = localInputToIso(fromInput.value);
    const to = localInputToIso(toInput.value);
    if (from === null || to === null || from >= to) {
      message.textContent = "Choose a start before the end.";
      return;
    }
    message.textContent = "";
    choose({ from, to });
  });

  press("preset" in current ? current.preset : "custom");
  const element = h(
    "div",
    { class: "range" },
    h("div", { class: "button-group", role: "group", "aria-label": "Range" }, [...buttons.values()]),
    custom,
  );
  return { element, initial: () => current };
}
