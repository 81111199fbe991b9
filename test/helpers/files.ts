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
}

/** Writes an HDF5 file with exactly the datasets and attributes given (no validation). */
export async function writeRawHdf5(file: string, datasets: RawDataset[], attributes: Record<string, string | number> = {}): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "w");
  try {
    for (const d of datasets) {
      f.create_dataset({
        name: d.name, data: d.data, shape: d.shape, dtype: d.dtype,
        ...(d.chunks ? { chunks: d.chunks } : {}), ...(d.gzip ? { compression: "gzip" as const, compression_opts: 6 } : {}),
      });
    }
    for (const [k, v] of Object.entries(attributes)) f.create_attribute(k, v as any);
  } finally {
    f.close();
  }
}
