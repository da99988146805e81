/**
 * Limits an HTTP/2 connection keeps, so that what one client makes the server
 * hold is bounded: streams at once, the body bytes each may send ahead of
 * the reader, the size of a frame and of a field section.
 *
 * @module
 */

/** What one HTTP/2 connection allows. */
export interface Http2Limits {
  /**
   * Streams open at once (SETTINGS_MAX_CONCURRENT_STREAMS); more are refused with REFUSED_STREAM.
   * @default {100}
   */
  maxConcurrentStreams: number;
  /**
   * Request body bytes a stream may send ahead of the reader (SETTINGS_INITIAL_WINDOW_SIZE).
   * @default {65535}
   */
  initialWindowSize: number;
  /**
   * Request body bytes the whole connection may send ahead (its window, raised at the start).
   * @default {1048576}
   */
  connectionWindow: number;
  /**
   * Largest frame accepted (SETTINGS_MAX_FRAME_SIZE, at least 16384).
   * @default {16384}
   */
  maxFrameSize: number;
  /**
   * Largest field section, as RFC 9113 §6.5.2 counts it (name + value + 32 a field); larger → 431.
   * @default {16384}
   */
  maxHeaderListSize: number;
  /**
   * Largest HPACK table the client's encoder may use (SETTINGS_HEADER_TABLE_SIZE).
   * @default {4096}
   */
  headerTableSize: number;
}

/** The defaults. */
export const DEFAULT_HTTP2_LIMITS: Readonly<Http2Limits> = Object.freeze({
  maxConcurrentStreams: 100,
  initialWindowSize: 65535,
  connectionWindow: 1048576,
  maxFrameSize: 16384,
  maxHeaderListSize: 16384,
  headerTableSize: 4096,
});
