/** A few lines of DOM building, so the panels read as markup without a framework. */

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) child.forEach((c) => append(parent, c));
  else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

function build<E extends Element>(element: E, attrs: Attrs, children: Child[]): E {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(key.replace(/^on/, "").toLowerCase(), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** An HTML element: `h("td", { class: "num" }, "12.00 USDC")`. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => build(document.createElement(tag), attrs, children);

/** An SVG element: `s("line", { x1: 0, y1: 0, x2: 10, y2: 10 })`. */
export const s = (tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement =>
  build(document.createElementNS("http://www.w3.org/2000/svg", tag) as SVGElement, attrs, children);

/** A definition list row: label and value (`testid` marks the value for the end-to-end tests). */
export const field = (label: string, value: Child, testid?: string): HTMLElement[] => [
  h("dt", {}, label),
  h("dd", { "data-testid": testid }, value),
];
