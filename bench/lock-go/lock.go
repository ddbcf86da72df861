// lock.go: the peer of task9-bench's lock_handoff_ns. Two goroutines alternate holding
// one sync.Mutex, each looping { Lock; runtime.Gosched(); Unlock }; run with
// GOMAXPROCS=1. Prints "ns <ns per acquisition>".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil && v > 1 {
			n = v
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	loop := func() {
		defer wg.Done()
		for i := 0; i < n/2; i++ {
			mu.Lock()
			runtime.Gosched()
			counter++
			mu.Unlock()
		}
	}
	start := time.Now()
	wg.Add(2)
	go loop()
	go loop()
	wg.Wait()
	elapsed := time.Since(start)
	if counter != 2*(n/2) {
		fmt.Println("error: lost increments")
		os.Exit(1)
	}
	fmt.Printf("ns %.2f\n", float64(elapsed.Nanoseconds())/float64(2*(n/2)))
}
