import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ByteWriter } from 'hyparquet-writer';

/**
 * A file being written: counts its bytes and computes its SHA-256 as the bytes go by, so the
 * manifest never has to read a file back. `close()` fsyncs before closing: the file is durable before
 * the generation holding it is published.
 */
export class HashedFile {
  private readonly hash: Hash = createHash('sha256');
  private closed = false;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the file; fails if it exists ('wx'), which never happens inside a fresh staging folder. */
  static async create(path: string): Promise<HashedFile> {
    return new HashedFile(path, await open(path, 'wx', 0o644));
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.hash.update(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
    this.bytes += chunk.byteLength;
  }

  /** fsync, close, and the file's size and SHA-256 (hex). */
  async close(): Promise<{ bytes: number; sha256: string }> {
    this.closed = true;
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Closes without syncing (the whole staging folder is being thrown away). Never throws. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/**
 * hyparquet-writer's Writer over a HashedFile: the writer appends a row group to the in-memory
 * buffer, then calls `flush()` and waits for it before encoding the next group, so at most one
 * encoded row group is held in memory.
 */
export class ParquetFileWriter extends ByteWriter {
  constructor(private readonly file: HashedFile) {
    super(1 << 20);
  }

  private async drain(): Promise<void> {
    if (this.index === 0) return;
    await this.file.write(new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  flush(): Promise<void> {
    return this.drain();
  }

  override finish(): Promise<void> {
    return this.drain();
  }
}
