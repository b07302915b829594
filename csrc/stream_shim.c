/* Calls into the tch_*_stream_* callbacks that a tch program defines (torch-sys's io.rs).
 * They are referenced weakly, so a plain C program that never defines them still links
 * against libtorchrs; each trampoline reports whether the callback exists. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool tch_write_stream_destructor(void *stream_ptr) __attribute__((weak));
extern bool tch_write_stream_write(void *stream_ptr, const uint8_t *buf, size_t size, size_t *out_size) __attribute__((weak));
extern bool tch_read_stream_destructor(void *stream_ptr) __attribute__((weak));
extern bool tch_read_stream_stream_position(void *stream_ptr, uint64_t *pos) __attribute__((weak));
extern bool tch_read_stream_seek_start(void *stream_ptr, uint64_t pos, uint64_t *new_pos) __attribute__((weak));
extern bool tch_read_stream_seek_end(void *stream_ptr, int64_t pos, uint64_t *new_pos) __attribute__((weak));
extern bool tch_read_stream_read(void *stream_ptr, uint8_t *buf, size_t size, size_t *new_pos) __attribute__((weak));

/* The stand-ins of libtorchrs_nostreams.so (stream_fallback.c), present when libtorchrs.so is. */
extern const void *const torchrs_tch_stream_fallbacks[2] __attribute__((weak));

/* Returns 1 when all seven callbacks are the program's own (not missing, not the stand-ins). */
int torchrs_streams_available(void) {
  if (!(tch_write_stream_destructor && tch_write_stream_write && tch_read_stream_destructor &&
        tch_read_stream_stream_position && tch_read_stream_seek_start && tch_read_stream_seek_end &&
        tch_read_stream_read))
    return 0;
  if (torchrs_tch_stream_fallbacks &&
      ((const void *)tch_write_stream_write == torchrs_tch_stream_fallbacks[0] ||
       (const void *)tch_read_stream_read == torchrs_tch_stream_fallbacks[1]))
    return 0;
  return 1;
}

bool torchrs_write_stream_destructor(void *s) { return tch_write_stream_destructor(s); }
bool torchrs_write_stream_write(void *s, const uint8_t *buf, size_t size, size_t *out_size) {
  return tch_write_stream_write(s, buf, size, out_size);
}
bool torchrs_read_stream_destructor(void *s) { return tch_read_stream_destructor(s); }
bool torchrs_read_stream_stream_position(void *s, uint64_t *pos) { return tch_read_stream_stream_position(s, pos); }
bool torchrs_read_stream_seek_start(void *s, uint64_t pos, uint64_t *new_pos) {
  return tch_read_stream_seek_start(s, pos, new_pos);
}
bool torchrs_read_stream_seek_end(void *s, int64_t pos, uint64_t *new_pos) {
  return tch_read_stream_seek_end(s, pos, new_pos);
}
bool torchrs_read_stream_read(void *s, uint8_t *buf, size_t size, size_t *new_pos) {
  return tch_read_stream_read(s, buf, size, new_pos);
}
