/* Linked into libtorchrs.so only (not the .a): strong references to tch's seven stream
 * callbacks. A weak reference does not make a linker take an archive member, so without these a
 * tch program linked with lld (rustc's default) would leave torch-sys's io.rs callbacks out.
 * libtorchrs_nostreams.so (stream_fallback.c) satisfies them for every other program. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool tch_write_stream_destructor(void *);
extern bool tch_write_stream_write(void *, const uint8_t *, size_t, size_t *);
extern bool tch_read_stream_destructor(void *);
extern bool tch_read_stream_stream_position(void *, uint64_t *);
extern bool tch_read_stream_seek_start(void *, uint64_t, uint64_t *);
extern bool tch_read_stream_seek_end(void *, int64_t, uint64_t *);
extern bool tch_read_stream_read(void *, uint8_t *, size_t, size_t *);

__attribute__((used)) const void *const torchrs_tch_stream_refs[7] = {
    (const void *)tch_write_stream_destructor, (const void *)tch_write_stream_write,
    (const void *)tch_read_stream_destructor,  (const void *)tch_read_stream_stream_position,
    (const void *)tch_read_stream_seek_start,  (const void *)tch_read_stream_seek_end,
    (const void *)tch_read_stream_read,
};
