/** Test helpers: temporary directories and hand-made HDF5 files in layouts other tools produce. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import h5wasm from "h5wasm/node";

export function tempDir(prefix = "qst-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RawDataset {
  name: string;
  data: any;
  shape?: number[];
  dtype?: string;
  chunks?: number[];
  gzip?: boolean;
  /** Grow the (chunked) dataset to this shape after writing `data`: it declares more than it stores. */
  declared?: number[];
}

/** Writes an HDF5 file with exactly the datasets and attributes given (no validation). */
export async function writeRawHdf5(
  file: string,
  datasets: RawDataset[],
  attributes: Record<string, string | number> = {},
): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "w");
  try {
    for (const d of datasets) {
      const ds = f.create_dataset({
        name: d.name,
        data: d.data,
        shape: d.shape,
        dtype: d.dtype,
        ...(d.chunks ? { chunks: d.chunks } : {}),
        ...(d.gzip ? { compression: "gzip" as const, compression_opts: 6 } : {}),
        ...(d.declared ? { maxshape: d.declared.map(() => null) } : {}),
      });
      if (d.declared) ds.resize(d.declared);
    }
    for (const [k, v] of Object.entries(attributes)) f.create_attribute(k, v as any);
  } finally {
    f.close();
  }
}

export interface RawLink {
  /** Where the link is (its groups are created). */
  name: string;
  /** The object path it points to. */
  target: string;
  /** For an external link, the file it points into; a soft link without. */
  file?: string;
}

/** Adds links to an HDF5 file: soft, or external into another file (as h5py.ExternalLink writes them). */
export async function addLinks(file: string, links: RawLink[]): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "a");
  try {
    for (const l of links) {
      const parts = l.name.split("/").filter(Boolean);
      for (let k = 1; k < parts.length; k++) {
        const group = parts.slice(0, k).join("/");
        if (!f.get(group)) f.create_group(group);
      }
      if (l.file) f.create_external_link(l.file, l.target, parts.join("/"));
      else f.create_soft_link(l.target, parts.join("/"));
    }
  } finally {
    f.close();
  }
}
