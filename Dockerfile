# Build: the same steps as `make build` (go build -trimpath), in a Go 1.26 image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/chataccess/chataccess/internal/cli.Version=${VERSION}" \
      -o /out/chataccess .

# Run: a static binary, CA certificates and time zone data, as a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/chataccess /usr/local/bin/chataccess
COPY chataccess.example.yaml /etc/chataccess/chataccess.example.yaml
WORKDIR /etc/chataccess
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/chataccess"]
CMD ["serve", "--config", "/etc/chataccess/chataccess.yaml"]
