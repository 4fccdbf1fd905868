/**
 * Keeps glibc's malloc from giving freed memory back to the kernel only to fault it in again.
 *
 * Why: node:http's parser copies every body chunk into a fresh malloc'd buffer (as large as the
 * socket's read), and the garbage collector frees those buffers in batches. By default glibc
 * returns the top of its heap to the kernel as soon as 128 KiB there are free, so each batch went
 * back to the kernel and the next one was faulted in again, page by page: a 1 GiB download took
 * 154,000–238,000 page faults and 2.1–2.8 s, against 8,200–9,500 faults and 1.3–1.8 s once glibc
 * keeps the memory (bench/README.md, eighth round).
 *
 * glibc raises that threshold by itself the first time a process frees a block large enough to
 * have been mmap()ed: to twice that block's size, for good, on the assumption that a program
 * which frees large blocks will allocate them again (`mallopt(3)`, "M_MMAP_THRESHOLD": the
 * dynamic threshold). Allocating one such block and dropping it makes that happen now rather than
 * by chance. The block is never touched (calloc'd mmap()ed memory is already zero), so it costs
 * address space for one garbage collection, not memory. Elsewhere (musl, macOS, Windows) this is
 * one short-lived untouched allocation and changes nothing.
 */

/**
 * Just under glibc's largest dynamic threshold (32 MiB on 64-bit systems), so that the heap keeps
 * up to ~62 MiB of freed memory for reuse; blocks from 31 MiB up are still mmap()ed on their own.
 */
const MMAPPED_BLOCK_BYTES = 31 * 2 ** 20;

let done = false;

/**
 * Once per process, on Linux: lets glibc keep freed body buffers for reuse. Returns whether this
 * call did it (false off Linux, and after the first time).
 */
export function keepFreedMemoryForReuse(platform = runningPlatform()): boolean {
  if (done || platform !== 'linux') return false;
  done = true;
  dropOneMmappedBlock();
  return true;
}

/** Allocates a block above glibc's mmap threshold and lets the garbage collector free it. */
export function dropOneMmappedBlock(): number {
  return new ArrayBuffer(MMAPPED_BLOCK_BYTES).byteLength;
}

/** `process.platform` where there is a `process` (this folder also runs in browsers). */
function runningPlatform(): string | undefined {
  return (globalThis as { process?: { readonly platform?: string } }).process?.platform;
}
