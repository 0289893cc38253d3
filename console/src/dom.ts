/** What `h` takes as children: text and nodes; null, undefined and false leave nothing, so conditions read inline. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes: `class`, any attribute, a few properties (value, checked), and `on<event>` listeners. */
export type Attributes = Record<
  string,
  string | number | boolean | null | undefined | ((event: Event) => void)
>;

// Properties, not attributes: the attribute only sets the control's initial value.
const properties = new Set(["value", "checked"]);

/** Makes an element: the console's pages are built from these rather than from HTML strings, so no markup is parsed. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (properties.has(name)) Reflect.set(element, name, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (as `h` takes them). */
export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let nextId = 0;
/** A document-unique id, for `<label for>` and `aria-labelledby`. */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
