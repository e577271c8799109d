// jemalloc's settings for polypipe, read by jemalloc at start-up (MALLOC_CONF in the environment
// still overrides them). Two arenas instead of eight per core, freed pages returned within a second
// by jemalloc's own thread: a fetch of 1.5M markets peaked at 331 MB instead of 394 with the same
// CPU. Returning them at once (decay 0) saved 47 MB more but quadrupled the system time.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
