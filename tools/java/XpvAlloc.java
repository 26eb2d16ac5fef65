// SPDX-License-Identifier: GPL-2.0
//
// XpvAlloc: the lab's Java program for HotSpot on live pnodes.
//
//   java XpvAlloc SECONDS [PAUSE-FILE]
//
// Its main thread allocates for SECONDS: 1 KiB arrays, of which the last
// 4096 stay reachable, so that the young collections are frequent and
// have little to copy. While PAUSE-FILE (default /tmp/xpv-java-pause)
// exists it stops allocating, prints "XPVSYNC java paused" once, and
// waits: the lab then reads where the eden's pages are, which nothing
// touches meanwhile. It prints "java: allocated N MiB" at the end.
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

public class XpvAlloc {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java XpvAlloc SECONDS [PAUSE-FILE]");
            System.exit(2);
        }
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        Path pause = Paths.get(args.length > 1 ? args[1] : "/tmp/xpv-java-pause");
        Object[] live = new Object[4096];
        long allocated = 0;
        int next = 0;
        boolean paused = false;

        while (System.nanoTime() < end) {
            if (Files.exists(pause)) {
                if (!paused) {
                    System.out.println("XPVSYNC java paused");
                    paused = true;
                }
                Thread.sleep(100);
                continue;
            }
            if (paused) {
                System.out.println("java: resumed");
                paused = false;
            }
            for (int i = 0; i < 1024; i++) {
                byte[] b = new byte[1024];
                b[i] = 1;
                live[next++ & (live.length - 1)] = b;
            }
            allocated += 1024 * 1024;
        }
        System.out.println("java: allocated " + (allocated >> 20) + " MiB");
    }
}
