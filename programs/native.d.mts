// Types for native.mjs (used by the TypeScript tests).
export const binDir: string;
export interface NativeCase {
  program: string;
  args?: string[];
  stdin?: string;
}
export interface NativeResult {
  stdout: string;
  stderr: string;
  status: number;
  signal?: string;
  siCode?: string;
  siAddr?: string;
}
export function runNative(c: NativeCase, options?: { siCode?: boolean }): NativeResult;
