"""Connect 2.0 API placeholder: the real service is a FastAPI app."""

from fastapi import FastAPI

app = FastAPI(title="connect2-api")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}
