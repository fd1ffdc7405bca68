// Numbers and untrusted text as people read them, shared by the renderers.

const BINARY_UNITS = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** `12`, `1.5`, `0.125`: vCPU with at most three decimals (millicores). */
export function formatCpu(vcpu: number): string {
  return String(Math.round(vcpu * 1000) / 1000);
}

/** `0`, `512Mi`, `1.5Gi`: bytes in binary units, one decimal at most. */
export function formatMemory(bytes: number): string {
  let value = bytes;
  let unit = '';
  for (const next of BINARY_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${String(Math.round(value * 10) / 10)}${unit}`;
}

/** `62.5%`, `100%`; `n/a` when there was nothing to divide. A share below 1 never shows as 100%. */
export function formatShare(share: number | null): string {
  if (share === null) return 'n/a';
  // The epsilon keeps 0.57 (569.999… per mille in binary) at 57%.
  const percent = Math.floor(share * 1000 + 1e-9) / 10;
  return `${String(percent)}%`;
}

export function formatMoney(amount: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount);
}

/** A unit price keeps its digits: `$0.048`, `$0.0816`. */
export function formatPrice(amount: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(amount);
}

/** `yes`, `no`, `unknown`. */
export function formatArm64(arm64: boolean | null): string {
  return arm64 === true ? 'yes' : arm64 === false ? 'no' : 'unknown';
}

// C0 and C1 controls, DEL, and the bidirectional overrides that can make a terminal show other text.
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from a manifest or a registry, safe to print: control characters shown as `\xNN`/`\uNNNN`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
