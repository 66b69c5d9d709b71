import { StringDecoder } from 'node:string_decoder';

/**
 * Text split into overlapping chunks, so a file of any size (a 40 MB log, a 5 MB minified
 * bundle on one line) is scanned in bounded memory and time per step, and a key that straddles a
 * chunk boundary is still seen whole. Chunk i holds text [offset, ownedEnd + OVERLAP); it owns the
 * findings that START before ownedEnd, the next chunk (starting at ownedEnd) owns the rest.
 */
export const CHUNK_CHARS = 1024 * 1024;
/** Longer than any secret a rule matches in one piece (a 4096-bit RSA private key is ~3.3 KB). */
export const OVERLAP_CHARS = 16 * 1024;

export interface TextChunk {
  text: string;
  /** Offset of the chunk's first character in the whole text (UTF-16 units). */
  offset: number;
  /** Lines before the chunk (0 for the first). */
  linesBefore: number;
  /** Columns before the chunk's first character on its line (0 when it starts a line). */
  columnBefore: number;
  /** Findings starting at or after this index of `text` belong to the next chunk. */
  ownedEnd: number;
}

/** Splits text that arrives in pieces (a string, or bytes from a stream) into chunks. */
export class ChunkSplitter {
  private pending = '';
  private offset = 0;
  private linesBefore = 0;
  private columnBefore = 0;

  constructor(private readonly chunkChars = CHUNK_CHARS, private readonly overlapChars = OVERLAP_CHARS) {}

  /** Adds text; returns the chunks that are complete. */
  push(text: string): TextChunk[] {
    this.pending += text;
    const out: TextChunk[] = [];
    while (this.pending.length >= this.chunkChars + this.overlapChars) out.push(this.cut());
    return out;
  }

  /** The rest, owning everything it holds. */
  end(): TextChunk {
    const chunk: TextChunk = { text: this.pending, offset: this.offset, linesBefore: this.linesBefore, columnBefore: this.columnBefore, ownedEnd: this.pending.length };
    this.pending = '';
    return chunk;
  }

  private cut(): TextChunk {
    // Prefer to end the owned part at a line break, so line-based rules see whole lines.
    const nl = this.pending.lastIndexOf('\n', this.chunkChars - 1);
    const ownedEnd = nl >= this.chunkChars / 2 ? nl + 1 : this.chunkChars;
    const chunk: TextChunk = {
      text: this.pending.slice(0, ownedEnd + this.overlapChars),
      offset: this.offset,
      linesBefore: this.linesBefore,
      columnBefore: this.columnBefore,
      ownedEnd,
    };
    const owned = this.pending.slice(0, ownedEnd);
    let lines = 0;
    for (let i = owned.indexOf('\n'); i >= 0; i = owned.indexOf('\n', i + 1)) lines++;
    const lastNl = owned.lastIndexOf('\n');
    this.columnBefore = lastNl < 0 ? this.columnBefore + ownedEnd : ownedEnd - lastNl - 1;
    this.linesBefore += lines;
    this.offset += ownedEnd;
    this.pending = this.pending.slice(ownedEnd);
    return chunk;
  }
}

/** Chunks of a string already in memory. */
export function* chunksOfString(text: string, chunkChars = CHUNK_CHARS, overlapChars = OVERLAP_CHARS): Generator<TextChunk> {
  const splitter = new ChunkSplitter(chunkChars, overlapChars);
  yield* splitter.push(text);
  yield splitter.end();
}

/** Chunks of UTF-8 bytes from a stream (a large file, a large blob), decoded across piece boundaries. */
export async function* chunksOfBytes(pieces: AsyncIterable<Buffer>, chunkChars = CHUNK_CHARS, overlapChars = OVERLAP_CHARS): AsyncGenerator<TextChunk> {
  const splitter = new ChunkSplitter(chunkChars, overlapChars);
  const decoder = new StringDecoder('utf8');
  for await (const piece of pieces) yield* splitter.push(scannableText(decoder.write(piece)));
  splitter.push(scannableText(decoder.end()));
  yield splitter.end();
}

/**
 * Text the rules can read from any bytes: NUL and other control characters become spaces (one
 * for one, so offsets and lines stay), which keeps a secret next to a NUL byte visible instead of
 * making the whole file "binary".
 */
export function scannableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ');
}
