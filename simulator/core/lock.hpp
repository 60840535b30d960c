#pragma once
// The simulator's lock: a pthread mutex of the adaptive kind, which spins a moment before it sleeps. What it
// guards lasts microseconds, so when two requests meet, the second usually gets the lock while spinning, without
// the futex sleep and thread switch a std::mutex costs it (most of the lock's cost on a machine with two cores).

#include <pthread.h>

namespace nanosim::core {

class SimulatorMutex {
 public:
  SimulatorMutex() {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
  }
  ~SimulatorMutex() { pthread_mutex_destroy(&mutex_); }
  SimulatorMutex(const SimulatorMutex&) = delete;
  SimulatorMutex& operator=(const SimulatorMutex&) = delete;

  void lock() { pthread_mutex_lock(&mutex_); }
  bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

}  // namespace nanosim::core
