// Reference data loaded once per page load: departments and the category tree.
import { ref } from "vue";
import { api } from "./client";
import type { Category, Department, Items } from "./types";

export const departments = ref<Department[]>([]);
export const categories = ref<Category[]>([]);
let deptPromise: Promise<void> | null = null;
let catPromise: Promise<void> | null = null;

export function loadDepartments(force = false): Promise<void> {
  if (!deptPromise || force) {
    deptPromise = api.get<Items<Department>>("/api/v1/departments").then((r) => {
      departments.value = r.items;
    });
    deptPromise.catch(() => (deptPromise = null));
  }
  return deptPromise;
}

export function loadCategories(force = false): Promise<void> {
  if (!catPromise || force) {
    catPromise = api.get<Items<Category>>("/api/v1/categories").then((r) => {
      categories.value = r.items;
    });
    catPromise.catch(() => (catPromise = null));
  }
  return catPromise;
}

export function departmentName(id: number | null | undefined): string {
  if (id === null || id === undefined) return "—";
  return departments.value.find((d) => d.id === id)?.name ?? `#${id}`;
}

/** Departments in tree order with their depth, for selects. */
export function departmentOptions(): Array<{ id: number; label: string }> {
  const byParent = new Map<number | null, Department[]>();
  for (const d of departments.value) {
    const k = d.parent_id ?? null;
    if (!byParent.has(k)) byParent.set(k, []);
    byParent.get(k)!.push(d);
  }
  const out: Array<{ id: number; label: string }> = [];
  const walk = (parent: number | null, depth: number) => {
    for (const d of byParent.get(parent) ?? []) {
      out.push({ id: d.id, label: "\u3000".repeat(depth) + d.name });
      walk(d.id, depth + 1);
    }
  };
  walk(null, 0);
  // Orphans (a parent we cannot see) at the end.
  for (const d of departments.value) if (!out.some((o) => o.id === d.id)) out.push({ id: d.id, label: d.name });
  return out;
}

export function findCategory(code: string): Category | undefined {
  for (const top of categories.value) {
    if (top.code === code) return top;
    for (const c of top.children ?? []) if (c.code === code) return c;
  }
  return undefined;
}
