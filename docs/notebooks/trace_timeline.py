# %% [markdown]
# # trace_timeline
#
# This notebook is being written.

# %%
print("placeholder")
