# Base images are pinned by digest, so a rebuild of an old commit gets the
# same bases; the tag beside each digest says what it was when pinned.
#   golang:1.26-bookworm (Go 1.26.7), multi-platform index
#   gcr.io/distroless/static-debian12:nonroot, multi-platform index
# To move them on: docker buildx imagetools inspect <image:tag> (or
# crane digest <image:tag>) and replace the digest.

# Build: the same steps as `make build` (go build -tags nodemo -trimpath: no
# demo, emulators or in-process Redis linked in), in a Go 1.26 image.
FROM golang:1.26-bookworm@sha256:38f30937ff0751bd8c202e53556168b9093302ee6d591e7e65a9d1b84a9d360c AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -tags nodemo -trimpath \
      -ldflags "-s -w -X github.com/chataccess/chataccess/internal/cli.Version=${VERSION}" \
      -o /out/chataccess .

# Run: a static binary, CA certificates and time zone data, as a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/chataccess /usr/local/bin/chataccess
COPY chataccess.example.yaml /etc/chataccess/chataccess.example.yaml
WORKDIR /etc/chataccess
EXPOSE 8080
USER nonroot:nonroot
# No shell in distroless: the binary asks itself. It reads server.ops_listen
# (else server.listen) from the policy file; --addr overrides.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/chataccess", "healthcheck", "--config", "/etc/chataccess/chataccess.yaml", "--timeout", "3s"]
ENTRYPOINT ["/usr/local/bin/chataccess"]
CMD ["serve", "--config", "/etc/chataccess/chataccess.yaml"]
