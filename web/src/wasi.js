// wasi.js: the WASI system calls the agrad module imports, for a module that
// has no files, no environment and no processes. Invariant: nothing here
// reaches outside the module's memory: there are no preopened directories
// (so every path call fails with EBADF or ENOSYS), fd 1 and 2 collect text
// into `output` (the library prints only when asked; agrad_run writes to
// memory streams), the clock is performance.now.
//
// Why our own shim rather than a library: the module imports 5 to 15 calls and
// needs none of a virtual file system; this is about 1 KB bundled.

const ESUCCESS = 0, EBADF = 8, EINVAL = 28, ENOSYS = 52;

export class ExitError extends Error {
  constructor(code) { super(`the module exited with status ${code}`); this.code = code; }
}

export function makeWasi(getMemory) {
  const output = [];
  const view = () => new DataView(getMemory().buffer);
  const bytes = () => new Uint8Array(getMemory().buffer);
  const imports = {
    environ_sizes_get(countPtr, sizePtr) {
      view().setUint32(countPtr, 0, true);
      view().setUint32(sizePtr, 0, true);
      return ESUCCESS;
    },
    environ_get() { return ESUCCESS; },
    clock_time_get(id, precision, outPtr) {
      // nanoseconds since the page opened (monotonic) or since the epoch (realtime)
      const ms = id === 0 ? Date.now() : performance.now();
      view().setBigUint64(outPtr, BigInt(Math.round(ms * 1e6)), true);
      return ESUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true), len = v.getUint32(iovs + 8 * i + 4, true);
        output.push(new TextDecoder().decode(bytes().slice(ptr, ptr + len)));
        n += len;
      }
      v.setUint32(nwrittenPtr, n, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd, statPtr) {
      if (fd > 2) return EBADF;
      const v = view();
      for (let i = 0; i < 24; i += 4) v.setUint32(statPtr + i, 0, true);
      v.setUint8(statPtr, 2); // character device
      return ESUCCESS;
    },
    fd_fdstat_set_flags() { return ENOSYS; },
    fd_close(fd) { return fd <= 2 ? ESUCCESS : EBADF; },
    fd_seek() { return EINVAL; }, // a terminal cannot seek
    fd_read() { return EBADF; },
    fd_prestat_get() { return EBADF; }, // no preopened directories
    fd_prestat_dir_name() { return EBADF; },
    path_open() { return ENOSYS; },
    path_rename() { return ENOSYS; },
    path_unlink_file() { return ENOSYS; },
    proc_exit(code) { throw new ExitError(code); },
  };
  return { imports: { wasi_snapshot_preview1: imports }, output };
}
