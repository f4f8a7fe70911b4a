// Proves src/ has no import cycle, counting type-only imports: every module can be read, tested
// and loaded on its own, and a cycle cannot hide behind `import type` until a value import
// closes it at run time.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importedFile, importsOf, root, sourceFiles } from "./source-graph.js";

/**
 * The cycles of a directed graph, one per strongly connected component of more than one node
 * (or a node importing itself), each as a closed walk `a → … → a` through that component.
 * Tarjan's algorithm (Tarjan 1972, "Depth-first search and linear graph algorithms").
 */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => walkThrough(graph, new Set(component)));
}

/** A closed walk from the first (sorted) member of `component` back to it, inside it. */
function walkThrough(graph: ReadonlyMap<string, readonly string[]>, component: Set<string>) {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (w === start) return [...pathTo(previous, v, start), start];
      if (component.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`no walk back to ${start}: not a strongly connected component`);
}

function pathTo(previous: Map<string, string>, end: string, start: string): string[] {
  const walk = [end];
  while (walk[0] !== start) walk.unshift(previous.get(walk[0]!)!);
  return walk;
}

describe("import cycles", () => {
  it("finds cycles, and only cycles, in a made-up graph", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c", "d"]],
      ["c", ["a"]],
      ["d", []],
      ["e", ["e"]],
      ["f", ["d"]],
    ]);
    expect(cyclesOf(graph)).toEqual([
      ["a", "b", "c", "a"],
      ["e", "e"],
    ]);
    expect(
      cyclesOf(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
    ).toEqual([]);
  });

  it("src/ has none, type-only imports included", () => {
    const files = sourceFiles(path.join(root, "src"));
    const graph = new Map(
      files.map((file) => [
        file,
        importsOf(file).flatMap((spec) => importedFile(file, spec) ?? []),
      ]),
    );
    expect(graph.get("src/raft/raw-node.ts")).toContain("src/raft/raft.ts");
    expect(cyclesOf(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });
});
