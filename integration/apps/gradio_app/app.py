"""A Gradio app as Hugging Face Spaces write them: `demo.launch()` with no address or port.

The buildpack runs it with GRADIO_SERVER_NAME=0.0.0.0 and GRADIO_SERVER_PORT=$PORT.
"""

import gradio as gr


def greet(name: str) -> str:
    return f"hello {name} from gradio"


demo = gr.Interface(fn=greet, inputs="text", outputs="text", title="hello from gradio")

if __name__ == "__main__":
    demo.launch()
