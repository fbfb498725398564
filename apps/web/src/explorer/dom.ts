/** A tiny element builder: enough to keep the views readable without a framework. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | boolean>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === false || value === undefined) continue
    el.setAttribute(key, value === true ? '' : value)
  }
  el.append(...children)
  return el
}
