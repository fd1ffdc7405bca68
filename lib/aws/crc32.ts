// CRC-32 (IEEE 802.3, the checksum DynamoDB sends as x-amz-crc32). Not node:zlib's crc32: loading
// zlib costs a cold start ~6 ms of CPU, and DynamoDB answers are a few kilobytes.

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  const built = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    built[n] = c >>> 0;
  }
  return built;
}

export function crc32(data: Uint8Array): number {
  table ??= crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i += 1) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
