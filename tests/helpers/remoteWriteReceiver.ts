/**
 * A local Prometheus remote-write receiver for tests: records, per request, the `X-Scope-OrgID` header and the series
 * it carries. Remote write 1.0 bodies are snappy *block* format (not framed) compressed protobuf `prometheus.WriteRequest`
 * (prometheus/prompb/types.proto and remote.proto: WriteRequest{ repeated TimeSeries timeseries = 1 },
 * TimeSeries{ repeated Label labels = 1; repeated Sample samples = 2 }, Label{ string name = 1; string value = 2 }).
 * Decoded here with a minimal snappy decompressor (github.com/google/snappy format_description.txt) and protobuf
 * wire-format reader, enough for these messages.
 */
import * as http from "http";
import type { AddressInfo } from "net";

/** Snappy block decompression: a varint length, then literal and copy elements. */
export function snappyDecompress(src: Buffer): Buffer {
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = src[pos++];
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  const out = Buffer.alloc(len);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    const type = tag & 3;
    if (type === 0) {
      let n = tag >> 2;
      if (n >= 60) {
        const bytes = n - 59;
        n = 0;
        for (let i = 0; i < bytes; i++) n |= src[pos++] << (8 * i);
      }
      n += 1;
      src.copy(out, o, pos, pos + n);
      pos += n;
      o += n;
      continue;
    }
    let length: number;
    let offset: number;
    if (type === 1) {
      length = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | src[pos++];
    } else if (type === 2) {
      length = (tag >> 2) + 1;
      offset = src.readUInt16LE(pos);
      pos += 2;
    } else {
      length = (tag >> 2) + 1;
      offset = src.readUInt32LE(pos);
      pos += 4;
    }
    if (offset === 0 || offset > o) throw new Error("snappy: bad copy offset");
    for (let i = 0; i < length; i++, o++) out[o] = out[o - offset];
  }
  if (o !== len) throw new Error(`snappy: ${o} bytes decoded, header said ${len}`);
  return out;
}

/** Fields of one protobuf message: field number → raw length-delimited payloads (other wire types skipped). */
function fields(buf: Buffer): Map<number, Buffer[]> {
  const m = new Map<number, Buffer[]>();
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const n = varint();
      const list = m.get(field) ?? [];
      list.push(buf.subarray(pos, pos + n));
      m.set(field, list);
      pos += n;
    } else throw new Error(`protobuf: wire type ${wire}`);
  }
  return m;
}

/** The label sets of a WriteRequest's series (samples not decoded: the tests route on labels). */
export function decodeWriteRequest(body: Buffer): Record<string, string>[] {
  return (fields(body).get(1) ?? []).map((ts) =>
    Object.fromEntries((fields(ts).get(1) ?? []).map((l) => {
      const f = fields(l);
      return [f.get(1)?.[0]?.toString("utf8") ?? "", f.get(2)?.[0]?.toString("utf8") ?? ""];
    })),
  );
}

export interface ReceivedWrite {
  tenant: string | undefined;
  series: Record<string, string>[];
}

export interface RemoteWriteReceiver {
  url: string;
  writes: ReceivedWrite[];
  /** Resolves once `done(writes)` is true (checked on every request), or rejects after `timeoutMs`. */
  until(done: (writes: ReceivedWrite[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRemoteWriteReceiver(): Promise<RemoteWriteReceiver> {
  const writes: ReceivedWrite[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const tenant = req.headers["x-scope-orgid"];
        writes.push({ tenant: Array.isArray(tenant) ? tenant.join(",") : tenant, series: decodeWriteRequest(snappyDecompress(Buffer.concat(chunks))) });
        res.writeHead(204).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
      waiters.forEach((w) => w());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/push`,
    writes,
    until: (done, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (done(writes)) return resolve();
        const timer = setTimeout(() => reject(new Error(`remote-write receiver: condition not met in ${timeoutMs} ms (${writes.length} writes)`)), timeoutMs);
        waiters.push(() => {
          if (done(writes)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
