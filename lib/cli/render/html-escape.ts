// Every value that reaches the HTML page from a manifest, a cluster or a registry goes through
// here: text content and attribute values alike (attributes are always double-quoted).
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** A tagged template: interpolated values are escaped unless wrapped in `raw()`. */
export function html(strings: TemplateStringsArray, ...values: Array<string | number | Raw | Raw[]>): Raw {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Raw(out);
}

/** Markup already built (by `html` or by this module's callers from escaped parts). */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): Raw {
  return new Raw(text);
}

function render(value: string | number | Raw | Raw[]): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return value.map((part) => part.text).join('');
  return escapeHtml(value);
}
