// SPDX-License-Identifier: GPL-2.0
//
// XpvAlloc: the lab's Java program for HotSpot on live pnodes.
//
//   java XpvAlloc SECONDS THREADS [PAUSE-FILE]
//
// THREADS threads, named xpv-alloc-0, xpv-alloc-1, ... (their Linux
// thread names, for taskset), allocate for SECONDS: 1 KiB arrays, of
// which each thread keeps its last 4096 reachable, so that the young
// collections are frequent and have little to copy. While PAUSE-FILE
// (default /tmp/xpv-java-pause) exists they stop allocating, and once
// all have stopped the program prints "XPVSYNC java paused": the lab
// then reads where the eden's pages are, which nothing touches
// meanwhile. At the end it prints "java: allocated N MiB".
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public class XpvAlloc {
    private static final AtomicInteger paused = new AtomicInteger();
    private static final AtomicLong allocated = new AtomicLong();
    private static volatile long end;
    private static Path pause;

    private static void allocate() {
        Object[] live = new Object[4096];
        int next = 0;
        boolean stopped = false;

        try {
            while (System.nanoTime() < end) {
                if (Files.exists(pause)) {
                    if (!stopped) {
                        stopped = true;
                        paused.incrementAndGet();
                    }
                    Thread.sleep(100);
                    continue;
                }
                if (stopped) {
                    stopped = false;
                    paused.decrementAndGet();
                }
                for (int i = 0; i < 1024; i++) {
                    byte[] b = new byte[1024];
                    b[i] = 1;
                    live[next++ & (live.length - 1)] = b;
                }
                allocated.addAndGet(1024 * 1024);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: java XpvAlloc SECONDS THREADS [PAUSE-FILE]");
            System.exit(2);
        }
        end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        int n = Integer.parseInt(args[1]);
        pause = Paths.get(args.length > 2 ? args[2] : "/tmp/xpv-java-pause");
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = new Thread(XpvAlloc::allocate, "xpv-alloc-" + i);
            threads[i].start();
        }
        boolean said = false;
        while (System.nanoTime() < end) {
            if (!Files.exists(pause)) {
                said = false;
            } else if (!said && paused.get() == n) {
                System.out.println("XPVSYNC java paused");
                said = true;
            }
            Thread.sleep(100);
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("java: allocated " + (allocated.get() >> 20) + " MiB");
    }
}
