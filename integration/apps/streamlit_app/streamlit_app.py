"""A Streamlit app: the buildpack runs `streamlit run streamlit_app.py` on 0.0.0.0:$PORT."""

import os
import sys

import streamlit as st

st.title("hello from streamlit")
st.write({"python": sys.version, "port": os.environ.get("PORT")})
