/**
 * The .npy/.npz reader against files numpy itself writes (np.save, np.lib.format.write_array with
 * format versions 1-3, np.savez, np.savez_compressed): every dtype calibration reads, both byte
 * orders, Fortran order, 0-d and empty arrays. The expected values are numpy's own tolist(), printed
 * by the same Python run as repr strings (exact for float32/float64 and for int64 beyond 2^53).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NpyFormatError, parseNpy, parseNpz, type NpyArray } from "../../../training/compress/calibration/npy.ts";
import { pythonNumpyMissing, withNumpy } from "./numpy-files.ts";

const CASES = `
rng = np.random.default_rng(7)
cases = {
  "f4": rng.standard_normal((2, 3, 4)).astype("<f4"),
  "f4_special": np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4e38], dtype="<f4"),
  "f8_big_endian": rng.standard_normal((3, 5)).astype(">f8"),
  "f4_fortran": np.asfortranarray(rng.standard_normal((3, 4, 2)).astype("<f4")),
  "f2": rng.standard_normal((4, 2)).astype("<f2"),
  "i8": np.array([[-(2**62) - 3, 2**53 + 1], [0, -1]], dtype="<i8"),
  "i8_big_endian_fortran": np.asfortranarray((np.arange(12).reshape(3, 4) * 1000003 - 2**40).astype(">i8")),
  "i4": np.arange(-5, 5, dtype="<i4").reshape(2, 5),
  "i2": np.array([-32768, 32767, 5], dtype="<i2"),
  "u1": np.arange(0, 256, 51, dtype="u1"),
  "i1": np.array([-128, 127, 0], dtype="i1"),
  "b1": np.array([[True, False, True]]),
  "u4": np.array([4294967295, 1], dtype="<u4"),
  "scalar": np.array(3.25, dtype="<f4"),
  "empty": np.zeros((0, 3), dtype="<f4"),
}
expected = {}
for name, a in cases.items():
  np.save(os.path.join(out, name + ".npy"), a)
  flat = np.ravel(a, order="C").tolist()
  expected[name] = {"shape": list(a.shape), "values": [repr(v) for v in flat]}
for version in [(2, 0), (3, 0)]:
  with open(os.path.join(out, "v%d.npy" % version[0]), "wb") as f:
    np.lib.format.write_array(f, cases["f4"], version=version)
np.savez(os.path.join(out, "stored.npz"), x=cases["f4"], ids=cases["i8"], mask=cases["b1"])
np.savez_compressed(os.path.join(out, "deflated.npz"), cases["f8_big_endian"], cases["f4_fortran"])
np.save(os.path.join(out, "object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
np.save(os.path.join(out, "structured.npy"), np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
json.dump(expected, sys.stdout)
`;

function expectValues(array: NpyArray, want: { shape: number[]; values: string[] }, what: string): void {
  expect(array.shape, what).toEqual(want.shape);
  expect(array.data.length, what).toBe(want.values.length);
  want.values.forEach((text, i) => {
    const got = array.data[i];
    if (typeof got === "bigint") expect(got, `${what}[${i}]`).toBe(BigInt(text));
    else if (text === "True" || text === "False") expect(got, `${what}[${i}]`).toBe(text === "True" ? 1 : 0);
    else if (text === "nan") expect(got, `${what}[${i}]`).toBeNaN();
    else expect(Object.is(got, text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text)), `${what}[${i}]: ${got} vs ${text}`).toBe(true);
  });
}

describe.skipIf(pythonNumpyMissing)(`.npy/.npz files written by numpy ${pythonNumpyMissing ?? ""}`, () => {
  const { dir, stdout } = pythonNumpyMissing ? { dir: "", stdout: "{}" } : withNumpy(CASES);
  const expected: Record<string, { shape: number[]; values: string[] }> = JSON.parse(stdout);
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));

  it.each(Object.keys(expected))("np.save %s: same shape and values as numpy's tolist()", (name) => {
    expectValues(parseNpy(read(`${name}.npy`)), expected[name], name);
  });

  it("dtype codes without the byte order, f2 widened to float32, int64 as BigInt64Array", () => {
    expect(parseNpy(read("f8_big_endian.npy")).dtype).toBe("f8");
    expect(parseNpy(read("f2.npy")).data).toBeInstanceOf(Float32Array);
    expect(parseNpy(read("i8.npy")).data).toBeInstanceOf(BigInt64Array);
  });

  it.each(["v2", "v3"])("format version %s header", (name) => {
    expectValues(parseNpy(read(`${name}.npy`)), expected.f4, name);
  });

  it("np.savez (stored, zip64 local headers): arrays by keyword", () => {
    const arrays = parseNpz(read("stored.npz"));
    expect([...arrays.keys()].sort()).toEqual(["ids", "mask", "x"]);
    expectValues(arrays.get("x")!, expected.f4, "x");
    expectValues(arrays.get("ids")!, expected.i8, "ids");
    expectValues(arrays.get("mask")!, expected.b1, "mask");
  });

  it("np.savez_compressed (deflated): positional arrays are arr_0, arr_1", () => {
    const arrays = parseNpz(read("deflated.npz"));
    expectValues(arrays.get("arr_0")!, expected.f8_big_endian, "arr_0");
    expectValues(arrays.get("arr_1")!, expected.f4_fortran, "arr_1");
  });

  it("object and structured arrays, a truncated file, and a file that is no .npy are refused with NpyFormatError", () => {
    expect(() => parseNpy(read("object.npy"))).toThrow(/dtype '\|O' is not supported/);
    expect(() => parseNpy(read("structured.npy"))).toThrow(NpyFormatError);
    const whole = read("f4.npy");
    expect(() => parseNpy(whole.subarray(0, whole.length - 4))).toThrow(/truncated \.npy data/);
    expect(() => parseNpy(new TextEncoder().encode("a,b\n1,2\n"))).toThrow(/not a \.npy file/);
    expect(() => parseNpz(whole)).toThrow(/not an \.npz file/);
    const npz = read("stored.npz");
    expect(() => parseNpz(npz.subarray(0, npz.length - 30))).toThrow(NpyFormatError);
  });
});
