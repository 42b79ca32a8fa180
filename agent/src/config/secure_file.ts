/**
 * Files that may hold secrets: directories 0700, files 0600, written atomically (temporary
 * file with mode 0600 in the same directory, then rename). Looser permissions found on load
 * are reported and tightened, the way ssh treats its keys.
 */
import { ConfigError, messageOf } from "../errors.ts";
import { baseName, dirName, joinPath } from "./paths.ts";

/** Receives one warning line for stderr. */
export type Warn = (message: string) => void;

/** POSIX permissions do not exist on Windows; Deno reports `mode` as null there. */
const POSIX = Deno.build.os !== "windows";

/** Permission bits of a path, or null where the platform has none. */
async function modeOf(path: string): Promise<number | null> {
  const info = await Deno.stat(path);
  return info.mode === null ? null : info.mode & 0o777;
}

/** Tighten `path` to `wanted` if group or others have any access, with a warning. */
export async function enforceMode(path: string, wanted: number, warn: Warn): Promise<void> {
  if (!POSIX) return;
  const mode = await modeOf(path);
  if (mode === null || (mode & 0o077) === 0) return;
  await Deno.chmod(path, wanted);
  warn(
    `permissions ${octal(mode)} for '${path}' are too open (it may hold secrets): changed to ${
      octal(wanted)
    }`,
  );
}

function octal(mode: number): string {
  return "0" + mode.toString(8).padStart(3, "0");
}

/** Create `dir` (and parents) if needed and make sure only the owner can use it. */
export async function ensureSecureDir(dir: string, warn: Warn): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await enforceMode(dir, 0o700, warn);
  } catch (error) {
    throw new ConfigError(`cannot create the directory ${dir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Write `text` to `path` atomically with mode 0600 (directory created with 0700). */
export async function writeSecureFile(path: string, text: string, warn: Warn): Promise<void> {
  const dir = dirName(path);
  await ensureSecureDir(dir, warn);
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  const temp = joinPath(dir, `.${baseName(path)}.${suffix}.tmp`);
  try {
    await Deno.writeTextFile(temp, text, { mode: 0o600, createNew: true });
    // The umask can only remove bits, but be explicit: the file must be 0600 before it is visible.
    if (POSIX) await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new ConfigError(`cannot write ${path}: ${messageOf(error)}`, { cause: error });
  }
}

/** Write a value as pretty JSON with {@link writeSecureFile}. */
export function writeSecureJson(path: string, value: unknown, warn: Warn): Promise<void> {
  return writeSecureFile(path, JSON.stringify(value, null, 2) + "\n", warn);
}

/**
 * Read and parse a JSON file that may hold secrets; null when it does not exist. Looser
 * permissions are fixed with a warning; unreadable or corrupt files raise a `ConfigError`
 * naming the path.
 */
export async function readSecureJson(path: string, warn: Warn): Promise<unknown | null> {
  let text: string;
  try {
    await enforceMode(path, 0o600, warn);
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new ConfigError(`cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid JSON (${
        messageOf(error)
      }): fix it or delete it and run \`remoteagent init\``,
      { cause: error },
    );
  }
}
