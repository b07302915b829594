/* libtorchrs_nostreams.so: stand-ins for the seven tch_*_stream_* callbacks, for programs that
 * do not define them (plain C and Go programs). libtorchrs.so references the callbacks strongly,
 * so the linker of a tch program pulls torch-sys's definitions (io.rs) out of its rlib, and
 * lists this library as needed, so every other program still links and loads. At run time a
 * program's own definitions come first; torchrs_tch_stream_fallbacks lets the shim tell the
 * stand-ins from real callbacks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static bool fb_destructor(void *s) { (void)s; return false; }
static bool fb_write(void *s, const uint8_t *buf, size_t size, size_t *out) {
  (void)s; (void)buf; (void)size; (void)out;
  return false;
}
static bool fb_position(void *s, uint64_t *pos) { (void)s; (void)pos; return false; }
static bool fb_seek_start(void *s, uint64_t pos, uint64_t *new_pos) { (void)s; (void)pos; (void)new_pos; return false; }
static bool fb_seek_end(void *s, int64_t pos, uint64_t *new_pos) { (void)s; (void)pos; (void)new_pos; return false; }
static bool fb_read(void *s, uint8_t *buf, size_t size, size_t *n) { (void)s; (void)buf; (void)size; (void)n; return false; }

bool tch_write_stream_destructor(void *s) __attribute__((alias("fb_destructor")));
bool tch_write_stream_write(void *s, const uint8_t *buf, size_t size, size_t *out) __attribute__((alias("fb_write")));
bool tch_read_stream_destructor(void *s) __attribute__((alias("fb_destructor")));
bool tch_read_stream_stream_position(void *s, uint64_t *pos) __attribute__((alias("fb_position")));
bool tch_read_stream_seek_start(void *s, uint64_t pos, uint64_t *new_pos) __attribute__((alias("fb_seek_start")));
bool tch_read_stream_seek_end(void *s, int64_t pos, uint64_t *new_pos) __attribute__((alias("fb_seek_end")));
bool tch_read_stream_read(void *s, uint8_t *buf, size_t size, size_t *n) __attribute__((alias("fb_read")));

/* The stand-ins' own addresses, in the order of the shim's checks. */
const void *const torchrs_tch_stream_fallbacks[2] = {(const void *)fb_write, (const void *)fb_read};
