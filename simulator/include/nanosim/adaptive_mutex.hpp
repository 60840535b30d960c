#pragma once
// A mutex that spins a moment (try-lock, then a pause, ~500 times: about 10 µs) before it sleeps in a pthread mutex
// of the adaptive kind: the lock of the simulator and of its journal. What they guard lasts microseconds, so when two requests meet, the second usually gets the lock while
// spinning, without the futex sleep and thread switch a std::mutex costs it (most of a lock's cost on a machine with
// two cores). A BasicLockable: std::lock_guard and std::unique_lock take it.

#include <pthread.h>

namespace nanosim {

class AdaptiveMutex {
 public:
  AdaptiveMutex() {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
  }
  ~AdaptiveMutex() { pthread_mutex_destroy(&mutex_); }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  void lock() {
    for (int spin = 0; spin < 500; ++spin) {  // longer than glibc's own adaptive spin (100 tries)
      if (pthread_mutex_trylock(&mutex_) == 0) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    pthread_mutex_lock(&mutex_);
  }
  bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

}  // namespace nanosim
