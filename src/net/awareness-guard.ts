/**
 * Checks an awareness update before y-protocols applies it. An awareness update is
 * [count]{[clientID][clock][state JSON]}; each state is capped and must be a JSON object or
 * null (null removes a state), so a peer cannot park megabytes in everyone's memory.
 */
import * as decoding from 'lib0/decoding';

export const MAX_AWARENESS_STATE = 2 * 1024;
const MAX_STATES_PER_UPDATE = 8;

export interface AwarenessEntry {
  readonly clientID: number;
  readonly clock: number;
  readonly state: Record<string, unknown> | null;
}

/** Null when malformed or over a cap. */
export function parseAwarenessUpdate(update: Uint8Array): AwarenessEntry[] | null {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    if (count > MAX_STATES_PER_UPDATE) return null;
    const out: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientID = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const json = decoding.readVarString(decoder);
      if (json.length > MAX_AWARENESS_STATE) return null;
      const state: unknown = JSON.parse(json);
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) return null;
      out.push({ clientID, clock, state: state as Record<string, unknown> | null });
    }
    if (decoding.hasContent(decoder)) return null;
    return out;
  } catch {
    return null;
  }
}
