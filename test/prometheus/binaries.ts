// Test helper (not a test): finds the Debian `prometheus` and `promtool` binaries (and
// `docker-compose`) on PATH, failing with how to install them — CI installs them (.ci/run).
import { execFileSync } from "node:child_process";

/** The absolute path of `name` on PATH. @throws Error naming the Debian package to install */
export function requireBinary(name: string, debianPackage: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch (error) {
    throw new Error(
      `${name} is not installed: apt-get install ${debianPackage} (CI does, see .ci/run)`,
      { cause: error },
    );
  }
}

/** Runs `binary args…` (in `cwd`, with `input` on stdin) and returns its output. @throws Error with its output and exit code */
export function run(binary: string, args: readonly string[], cwd?: string, input?: string): string {
  try {
    return execFileSync(binary, args, {
      encoding: "utf8",
      stdio: "pipe",
      ...(cwd === undefined ? {} : { cwd }),
      ...(input === undefined ? {} : { input }),
    });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(
      `${binary} ${args.join(" ")} exited ${String(failed.status)}:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`,
      { cause: error },
    );
  }
}
