/** True when a parsed JSON value nests objects or arrays deeper than `max` (a hostile body meant to exhaust a stack). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  // Iterative, so the check itself cannot overflow the stack.
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** How deep any JSON body the product accepts may nest (an activity's channelData included). */
export const MAX_JSON_DEPTH = 32;
