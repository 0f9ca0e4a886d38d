# The service's image: a static binary on a distroless base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# The Go client is a module of its own that go.mod replaces with ./clients/go.
COPY clients/go/go.mod clients/go/go.sum ./clients/go/
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/access-service ./cmd/access-service

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/access-service /access-service
ENV ACCESS_HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/access-service"]
CMD ["serve"]
