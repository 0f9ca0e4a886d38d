# The service's image: a static binary on a distroless base, running as the nonroot user (uid 65532).
#   docker build --build-arg VERSION=v1.2.3 -t access-service .
#   docker run -p 8080:8080 -v access-data:/data access-service
FROM golang:1.26 AS build
ARG VERSION=devel
WORKDIR /src
COPY go.mod go.sum ./
# The Go client is a module of its own that go.mod replaces with ./clients/go.
COPY clients/go/go.mod clients/go/go.sum ./clients/go/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/cocoondata/access-service/internal/version.version=${VERSION}" -o /out/access-service ./cmd/access-service
# The embedded store's folder, to be owned by the nonroot user in the image (distroless has no shell).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=devel
LABEL org.opencontainers.image.title="access-service" \
      org.opencontainers.image.description="The Cocoon Data Platform's OAuth 2.0 authorization server and administration API" \
      org.opencontainers.image.source="https://github.com/cocoondata/access-service" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/access-service /access-service
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# The embedded store lives in the volume; set ACCESS_DATABASE_URL=postgres://... to use PostgreSQL.
ENV ACCESS_DATABASE_URL=sqlite:/data/access-service.db
VOLUME /data
ENV ACCESS_HTTP_ADDR=0.0.0.0:8080
# The URL clients reach the service at (the tokens' issuer): set it to the public one.
ENV ACCESS_ISSUER=http://localhost:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["/access-service", "healthcheck"]
ENTRYPOINT ["/access-service"]
CMD ["serve"]
