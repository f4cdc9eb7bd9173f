# effrob dashboard: docker build -t effrob . && docker run -p 8501:8501 effrob
# Pinned to an exact release (Python 3.11.7 on Debian 12, as the tests run); bump deliberately.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    MALLOC_ARENA_MAX=2

RUN useradd --create-home --uid 1000 effrob
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py serve.py ./
COPY pages ./pages
COPY effrob_core ./effrob_core
COPY results ./results
COPY .streamlit ./.streamlit

USER effrob
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"

CMD ["streamlit", "run", "serve.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
