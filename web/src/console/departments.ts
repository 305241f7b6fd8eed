// The department directory (部门通讯录): the unit tree with office numbers
// (GET /api/v1/departments/tree), flattened in tree order, loaded once.
import { ref } from "vue";
import { api } from "../api/client";
import type { Department, Items } from "../api/types";

export interface DirectoryEntry {
  id: number;
  name: string;
  path: string; // parent / child
  depth: number;
  office_phone: string;
}

export const directory = ref<DirectoryEntry[]>([]);
export const directoryError = ref("");
let loading: Promise<void> | null = null;

function flatten(nodes: Department[], depth: number, parents: string[], out: DirectoryEntry[]) {
  for (const d of nodes) {
    const path = [...parents, d.name];
    out.push({ id: d.id, name: d.name, path: path.join(" / "), depth, office_phone: d.office_phone ?? "" });
    if (d.children?.length) flatten(d.children, depth + 1, path, out);
  }
}

export function loadDirectory(force = false): Promise<void> {
  if (!loading || force) {
    loading = api
      .get<Items<Department>>("/api/v1/departments/tree")
      .then((r) => {
        const out: DirectoryEntry[] = [];
        flatten(r.items, 0, [], out);
        directory.value = out;
        directoryError.value = "";
      })
      .catch((e) => {
        directoryError.value = (e as Error).message;
        loading = null;
      });
  }
  return loading;
}
