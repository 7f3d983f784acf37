# The driftscan CLI in a distroless image: no shell, no package manager, a non-root user.
# Build from an extracted release archive (scripts/release.sh), which holds the binary:
#   docker build -f Dockerfile -t driftscan dist/driftscan-<version>-x86_64-unknown-linux-gnu
# The binary needs glibc 2.34 at most; distroless/cc (Debian 12) has 2.36.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --chmod=755 driftscan /usr/local/bin/driftscan
# distroless's nonroot user, by number so the host need not resolve it.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/driftscan"]
CMD ["--help"]
